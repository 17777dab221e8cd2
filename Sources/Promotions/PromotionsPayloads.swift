import Contracts
import Foundation
import PlatformCore
import PlatformHTTP

struct CreatePromotionPayload: RequestPayload {
    static let allowedFields: Set<String> = ["title", "description", "amount", "startsAt", "endsAt"]
    static let nestedFields: [String: Set<String>] = ["amount": NestedFields.money]
    let title: String
    let description: String
    let amount: Money
    let startsAt: Date?
    let endsAt: Date?

    func validate() -> [FieldError] {
        var errors = [
            Validate.length(title, field: "title", max: 200),
            description.unicodeScalars.count > 5000 ? FieldError(field: "description", message: "must be at most 5000 characters") : nil,
        ]
        .compactMap { $0 }
        errors += amount.validate(field: "amount")
        if amount.amount == 0 { errors.append(FieldError(field: "amount.amount", message: "must be greater than 0")) }
        if let startsAt, let endsAt, endsAt <= startsAt { errors.append(FieldError(field: "endsAt", message: "must be after startsAt")) }
        return errors
    }
}

struct AssignPayload: RequestPayload {
    static let allowedFields: Set<String> = ["userIds"]
    let userIds: [String]

    func validate() -> [FieldError] {
        if userIds.isEmpty || userIds.count > 1000 { return [FieldError(field: "userIds", message: "must list 1 to 1000 user ids")] }
        if userIds.contains(where: { $0.isEmpty || $0.count > 64 }) {
            return [FieldError(field: "userIds", message: "must contain user ids")]
        }
        return []
    }
}

struct PromotionView: Codable, Sendable {
    let id: String
    let title: String
    let description: String
    let amount: Money
    let startsAt: Date?
    let endsAt: Date?
    let createdAt: Date
    /// For the assigned user: available | claimed | expired | upcoming.
    var state: String?
    var assignedAt: Date?
    var claimedAt: Date?
}

struct WalletEntryView: Codable, Sendable {
    let id: Int64
    let kind: String
    let reference: String
    let amount: Money
    let balanceAfter: Money
    let createdAt: Date
}
