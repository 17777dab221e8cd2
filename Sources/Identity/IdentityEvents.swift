import Foundation
public import Platform

/// Events Identity publishes. Payloads carry what other modules keep a copy of (Ordering keeps
/// address and phone; Notifications keeps preferences and email).
public struct UserRegistered: DomainEvent {
    public static let type = "user.registered"
    public let userID: String
    public let email: String
    public let name: String
    public let role: Role
}

public struct UserProfileUpdated: DomainEvent {
    public static let type = "user.profile-updated"
    public let userID: String
    public let name: String
    public let phone: String?
    public let address: Address?
}

public struct UserRoleChanged: DomainEvent {
    public static let type = "user.role-changed"
    public let userID: String
    public let oldRole: Role
    public let newRole: Role
    public let changedBy: String
}

public struct UserPreferencesUpdated: DomainEvent {
    public static let type = "user.preferences-updated"
    public let userID: String
    public let preferences: Preferences
}
