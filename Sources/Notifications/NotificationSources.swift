import Contracts
import Foundation
import PlatformEvents
import PlatformMail
import SQLKit

/// Turns other modules' events into notifications and mail, keeping Notifications' copy of
/// users on the way. One consumer, so a user's `user.registered` is always applied before
/// anything addressed to them.
struct NotificationSources: EventHandler {
    let inbox: Inbox
    let jobs: JobQueue

    var name: String { "notifications.sources" }
    var handledEvents: [any DomainEvent.Type] {
        [
            UserRegistered.self, UserPreferencesUpdated.self, UserProfileUpdated.self, PromotionAssigned.self, PromotionClaimed.self,
            OrderStatusChanged.self,
        ]
    }

    /// Order updates (most of the traffic) a run at a time: their recipients read at once, the
    /// notifications and the confirmation mail written in multi-row inserts. Anything else is
    /// applied on its own, in log order, after the order updates before it.
    func handle(batch events: [EventEnvelope], on db: any SQLDatabase) async throws {
        var orderUpdates: [(change: OrderStatusChanged, eventID: String)] = []
        for event in events {
            if event.type == OrderStatusChanged.type {
                orderUpdates.append((try event.decode(OrderStatusChanged.self), event.id))
                continue
            }
            try await ordersChanged(orderUpdates, on: db)
            orderUpdates = []
            try await handle(event, on: db)
        }
        try await ordersChanged(orderUpdates, on: db)
    }

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        switch event.type {
        case UserRegistered.type:
            let user = try event.decode(UserRegistered.self)
            let recipient = Recipient(userID: user.userID, email: user.email, name: user.name, preferences: .defaults)
            try await RecipientStore.insert(recipient, on: db)
            try await notify(
                [recipient], .always,
                NotificationDraft(
                    kind: "welcome", title: "Welcome to Bazaar, \(user.name)", body: "Your account is ready.", sourceKey: event.id),
                mail: MailMessage(
                    to: user.email, subject: "Welcome to Bazaar", body: "Hello \(user.name),\n\nyour Bazaar account is ready.\n"), on: db)
        case UserPreferencesUpdated.type:
            let change = try event.decode(UserPreferencesUpdated.self)
            try await RecipientStore.update(userID: change.userID, preferences: change.preferences, on: db)
        case UserProfileUpdated.type:
            let change = try event.decode(UserProfileUpdated.self)
            try await RecipientStore.update(userID: change.userID, name: change.name, on: db)
        case PromotionAssigned.type:
            let assigned = try event.decode(PromotionAssigned.self)
            try await notify(
                try await RecipientStore.find(assigned.userIDs, on: db), .promotions,
                NotificationDraft(kind: "promotion.assigned", title: "You have a new promotion", body: assigned.title, sourceKey: event.id),
                on: db)
        case PromotionClaimed.type:
            let claimed = try event.decode(PromotionClaimed.self)
            try await notify(
                try await RecipientStore.find([claimed.userID], on: db), .promotions,
                NotificationDraft(
                    kind: "wallet.credited", title: "Your balance was updated",
                    body: "\(claimed.amount.displayText) added; your balance is \(claimed.balance.displayText).", sourceKey: event.id),
                on: db)
        case OrderStatusChanged.type:
            try await ordersChanged([(try event.decode(OrderStatusChanged.self), event.id)], on: db)
        default:
            break
        }
    }

    /// Each change becomes a notification for a customer who wants order updates, and a
    /// confirmation also a mail for one who allows email (even with order notifications off).
    private func ordersChanged(_ changes: [(change: OrderStatusChanged, eventID: String)], on db: any SQLDatabase) async throws {
        guard !changes.isEmpty else { return }
        let recipients = Dictionary(
            try await RecipientStore.find(Array(Set(changes.map(\.change.userID))), on: db).map { ($0.userID, $0) }, uniquingKeysWith: { first, _ in first })
        var notifications: [(draft: NotificationDraft, recipient: Recipient)] = []
        var mail: [MailMessage] = []
        for (change, eventID) in changes {
            guard let recipient = recipients[change.userID] else { continue }
            let order = "Order \(change.orderID.prefix(8))"
            let body =
                switch change.to {
                case "confirmed": "\(order) is confirmed."
                case "rejected": "\(order) was rejected\(change.reason.map { ": \($0)" } ?? ".")"
                case "cancelled": "\(order) was cancelled."
                case "shipped": "\(order) has shipped."
                case "delivered": "\(order) was delivered."
                default: "\(order) is now \(change.to)."
                }
            if recipient.wants(.orderUpdates) {
                notifications.append((NotificationDraft(kind: "order.status", title: "\(order) \(change.to)", body: body, sourceKey: eventID), recipient))
            }
            if change.to == "confirmed" && recipient.preferences.email {
                mail.append(MailMessage(to: recipient.email, subject: "Your Bazaar order is confirmed", body: "Your order \(change.orderID) is confirmed.\n"))
            }
        }
        try await inbox.deliver(notifications, on: db)
        try await MailJob.enqueue(mail, queue: jobs, on: db)
    }

    /// Writes the notification for the recipients whose preferences allow the topic, and mails
    /// every recipient who allows email (a confirmation is mailed even to someone who turned
    /// order notifications off). Both commit with the consumer's position, so once per event.
    private func notify(
        _ recipients: [Recipient], _ topic: NotificationTopic, _ draft: NotificationDraft, mail: MailMessage? = nil, on db: any SQLDatabase
    ) async throws {
        try await inbox.deliver(draft, to: recipients.filter { $0.wants(topic) }, on: db)
        guard let mail else { return }
        for recipient in recipients where recipient.preferences.email {
            try await MailJob.enqueue(MailMessage(to: recipient.email, subject: mail.subject, body: mail.body), queue: jobs, on: db)
        }
    }
}
