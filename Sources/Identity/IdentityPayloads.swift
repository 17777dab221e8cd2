import Contracts
import Foundation
import PlatformCore
import PlatformHTTP

struct RegisterPayload: RequestPayload {
    static let allowedFields: Set<String> = ["email", "password", "name"]
    let email: String
    let password: String
    let name: String

    func validate() -> [FieldError] {
        [Validate.email(email), PasswordRules.validate(password, field: "password"), Validate.length(name, field: "name", max: 100)]
            .compactMap { $0 }
    }
}

struct LoginPayload: RequestPayload {
    static let allowedFields: Set<String> = ["email", "password"]
    let email: String
    let password: String

    func validate() -> [FieldError] {
        [
            email.isEmpty ? FieldError(field: "email", message: "must not be empty") : nil,
            password.isEmpty ? FieldError(field: "password", message: "must not be empty") : nil,
            password.unicodeScalars.count > PasswordRules.maxLength
                ? FieldError(field: "password", message: "must be at most \(PasswordRules.maxLength) characters") : nil,
        ].compactMap { $0 }
    }
}

struct RefreshTokenPayload: RequestPayload {
    static let allowedFields: Set<String> = ["refreshToken"]
    let refreshToken: String

    func validate() -> [FieldError] {
        refreshToken.isEmpty || refreshToken.count > 200 ? [FieldError(field: "refreshToken", message: "must be a refresh token")] : []
    }
}

struct PasswordResetPayload: RequestPayload {
    static let allowedFields: Set<String> = ["email"]
    let email: String
    func validate() -> [FieldError] { [Validate.email(email)].compactMap { $0 } }
}

struct PasswordResetConfirmPayload: RequestPayload {
    static let allowedFields: Set<String> = ["token", "newPassword"]
    let token: String
    let newPassword: String

    func validate() -> [FieldError] {
        [
            token.isEmpty || token.count > 200 ? FieldError(field: "token", message: "must be a reset token") : nil,
            PasswordRules.validate(newPassword, field: "newPassword"),
        ].compactMap { $0 }
    }
}

/// A PATCH: absent fields stay as they are; `phone` and `address` may be set to null to clear.
struct ProfilePatchPayload: RequestPayload {
    static let allowedFields: Set<String> = ["name", "phone", "address"]
    static let nestedFields: [String: Set<String>] = ["address": NestedFields.address]
    static let nullableFields: Set<String> = ["phone", "address"]
    var name: String?
    var phone: Patch<String>
    var address: Patch<Address>

    enum CodingKeys: String, CodingKey { case name, phone, address }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        phone = try Patch(container, .phone)
        address = try Patch(container, .address)
    }

    func validate() -> [FieldError] {
        var errors: [FieldError] = []
        if let name, let error = Validate.length(name, field: "name", max: 100) { errors.append(error) }
        if case .set(let phone) = phone {
            let digits = phone.filter(\.isNumber).count
            let allowed = phone.allSatisfy { $0.isNumber || " +-().".contains($0) }
            if !allowed || digits < 5 || digits > 15 || phone.count > 25 {
                errors.append(FieldError(field: "phone", message: "must be a phone number of 5 to 15 digits"))
            }
        }
        if case .set(let address) = address { errors += address.validate(prefix: "address") }
        return errors
    }
}

/// A field of a PATCH body: left out, set to a value, or cleared with null.
enum Patch<Value: Decodable & Sendable>: Sendable {
    case absent, clear, set(Value)

    init<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) throws {
        if !container.contains(key) {
            self = .absent
        } else if try container.decodeNil(forKey: key) {
            self = .clear
        } else {
            self = .set(try container.decode(Value.self, forKey: key))
        }
    }

    func applied(to current: Value?) -> Value? {
        switch self {
        case .absent: current
        case .clear: nil
        case .set(let value): value
        }
    }
}

extension Preferences: RequestPayload {
    public static let allowedFields: Set<String> = ["orderUpdates", "promotions", "email", "realtime"]
}

struct RolePayload: RequestPayload {
    static let allowedFields: Set<String> = ["role"]
    let role: Role
}
