import Contracts
import Foundation
import PlatformCore
public import PlatformHTTP

/// A user as stored. `passwordHash` never leaves this module: `UserView` is what responses show.
struct UserRecord: Sendable {
    let id: String
    let email: String
    let passwordHash: String
    var name: String
    var role: Role
    var phone: String?
    var address: Address?
    var preferences: Preferences
    let createdAt: Date
}

public struct UserView: Codable, Sendable, Equatable {
    public let id: String
    public let email: String
    public let name: String
    public let role: Role
    public let phone: String?
    public let address: Address?
    public let createdAt: Date

    init(_ record: UserRecord) {
        id = record.id
        email = record.email
        name = record.name
        role = record.role
        phone = record.phone
        address = record.address
        createdAt = record.createdAt
    }
}

enum EmailAddress {
    /// Emails are unique case-insensitively: stored trimmed and lower-cased.
    static func normalize(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}

enum PasswordRules {
    /// A bound on work and body size, not on strength: long passwords are welcome (see
    /// `PasswordHasher.bcryptInput`).
    static let maxLength = 256

    static func validate(_ password: String, field: String) -> FieldError? {
        // Counted in Unicode scalars, as JSON Schema's minLength/maxLength count them.
        if password.unicodeScalars.count < 8 { return FieldError(field: field, message: "must be at least 8 characters") }
        if password.unicodeScalars.count > maxLength { return FieldError(field: field, message: "must be at most \(maxLength) characters") }
        return nil
    }
}

extension Address {
    func validate(prefix: String) -> [FieldError] {
        var errors: [FieldError] = []
        if let error = Validate.length(line1, field: "\(prefix).line1", max: 200) { errors.append(error) }
        if let line2, line2.count > 200 { errors.append(FieldError(field: "\(prefix).line2", message: "must be at most 200 characters")) }
        if let error = Validate.length(city, field: "\(prefix).city", max: 100) { errors.append(error) }
        if let error = Validate.length(postalCode, field: "\(prefix).postalCode", max: 20) { errors.append(error) }
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            errors.append(FieldError(field: "\(prefix).country", message: "must be an ISO 3166-1 alpha-2 code such as \"US\""))
        }
        return errors
    }
}
