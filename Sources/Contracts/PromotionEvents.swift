public import Foundation
public import PlatformCore
public import PlatformEvents

/// Events of Promotions and the wallet.
public struct PromotionCreated: DomainEvent {
    public static let type = "promotion.created"
    public var aggregateID: String { promotionID }
    public let promotionID: String
    public let title: String
    public let amount: Money
    public let startsAt: Date?
    public let endsAt: Date?

    public init(promotionID: String, title: String, amount: Money, startsAt: Date?, endsAt: Date?) {
        self.promotionID = promotionID
        self.title = title
        self.amount = amount
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

public struct PromotionAssigned: DomainEvent {
    public static let type = "promotion.assigned"
    public var aggregateID: String { promotionID }
    public let promotionID: String
    public let title: String
    public let userIDs: [String]

    public init(promotionID: String, title: String, userIDs: [String]) {
        self.promotionID = promotionID
        self.title = title
        self.userIDs = userIDs
    }
}

public struct PromotionClaimed: DomainEvent {
    public static let type = "promotion.claimed"
    public var aggregateID: String { promotionID }
    public let promotionID: String
    public let userID: String
    public let amount: Money
    public let balance: Money

    public init(promotionID: String, userID: String, amount: Money, balance: Money) {
        self.promotionID = promotionID
        self.userID = userID
        self.amount = amount
        self.balance = balance
    }
}

/// A ledger movement. `reason` is `promotion`, `order-refund`; `reference` the promotion or order.
public struct WalletCredited: DomainEvent, Equatable {
    public static let type = "wallet.credited"
    public static let decodesToItself = true
    public var aggregateID: String { userID }
    public let userID: String
    public let amount: Money
    public let balance: Money
    public let reason: String
    public let reference: String

    public init(userID: String, amount: Money, balance: Money, reason: String, reference: String) {
        self.userID = userID
        self.amount = amount
        self.balance = balance
        self.reason = reason
        self.reference = reference
    }
}

public struct WalletDebited: DomainEvent, Equatable {
    public static let type = "wallet.debited"
    public static let decodesToItself = true
    public var aggregateID: String { userID }
    public let userID: String
    public let orderID: String
    public let amount: Money
    public let balance: Money

    public init(userID: String, orderID: String, amount: Money, balance: Money) {
        self.userID = userID
        self.orderID = orderID
        self.amount = amount
        self.balance = balance
    }
}

/// The wallet could not pay for an order (the saga then rejects it, which releases its stock).
public struct WalletDebitDeclined: DomainEvent, Equatable {
    public static let type = "wallet.debit-declined"
    public static let decodesToItself = true
    public var aggregateID: String { userID }
    public let userID: String
    public let orderID: String
    public let amount: Money
    public let reason: String

    public init(userID: String, orderID: String, amount: Money, reason: String) {
        self.userID = userID
        self.orderID = orderID
        self.amount = amount
        self.reason = reason
    }
}
