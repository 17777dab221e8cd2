import Foundation
public import PlatformEvents
public import PlatformHTTP

/// Events Identity publishes. Payloads carry what other modules keep a copy of (Ordering keeps
/// address and phone; Notifications keeps preferences and email).
public struct UserRegistered: DomainEvent {
    public static let type = "user.registered"
    public var aggregateID: String { userID }
    public let userID: String
    public let email: String
    public let name: String
    public let role: Role

    public init(userID: String, email: String, name: String, role: Role) {
        self.userID = userID
        self.email = email
        self.name = name
        self.role = role
    }
}

public struct UserProfileUpdated: DomainEvent {
    public static let type = "user.profile-updated"
    public var aggregateID: String { userID }
    public let userID: String
    public let name: String
    public let phone: String?
    public let address: Address?

    public init(userID: String, name: String, phone: String?, address: Address?) {
        self.userID = userID
        self.name = name
        self.phone = phone
        self.address = address
    }
}

public struct UserRoleChanged: DomainEvent {
    public static let type = "user.role-changed"
    public var aggregateID: String { userID }
    public let userID: String
    public let oldRole: Role
    public let newRole: Role
    public let changedBy: String

    public init(userID: String, oldRole: Role, newRole: Role, changedBy: String) {
        self.userID = userID
        self.oldRole = oldRole
        self.newRole = newRole
        self.changedBy = changedBy
    }
}

public struct UserPreferencesUpdated: DomainEvent {
    public static let type = "user.preferences-updated"
    public var aggregateID: String { userID }
    public let userID: String
    public let preferences: Preferences

    public init(userID: String, preferences: Preferences) {
        self.userID = userID
        self.preferences = preferences
    }
}

public struct Address: Codable, Sendable, Equatable {
    public var line1: String
    public var line2: String?
    public var city: String
    public var postalCode: String
    public var country: String

    public init(line1: String, line2: String?, city: String, postalCode: String, country: String) {
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.postalCode = postalCode
        self.country = country
    }
}

public struct Preferences: Codable, Sendable, Equatable {
    public var orderUpdates: Bool
    public var promotions: Bool
    public var email: Bool
    public var realtime: Bool

    public init(orderUpdates: Bool, promotions: Bool, email: Bool, realtime: Bool) {
        self.orderUpdates = orderUpdates
        self.promotions = promotions
        self.email = email
        self.realtime = realtime
    }

    public static let defaults = Preferences(orderUpdates: true, promotions: true, email: true, realtime: true)
}
