import PlatformCore
import PlatformHTTP

/// What Identity refuses, apart from HTTP; `problem` is Identity's one mapping to HTTP.
enum IdentityError: DomainError, Equatable {
    case emailTaken
    /// Too many failed logins from this address: wait this many seconds.
    case loginLockedOut(retryAfterSeconds: Int)
    case invalidCredentials
    case refreshTokenInvalid
    /// A rotated refresh token came back: its session has been ended.
    case refreshTokenReused
    /// A cookie refresh or logout whose X-CSRF-Token does not match the CSRF cookie.
    case csrfTokenMismatch
    case resetTokenInvalid
    case userNotFound
    case lastAdmin

    var problem: Problem {
        switch self {
        case .emailTaken: Problem.conflict("An account with this email already exists.")
        case .loginLockedOut(let seconds):
            Problem(
                .tooManyRequests, detail: "Too many failed logins from this address. Try again later.",
                headers: [.retryAfter: String(seconds)])
        case .invalidCredentials: Problem(.unauthorized, detail: "The email or password is incorrect.")
        case .refreshTokenInvalid: Problem(.unauthorized, detail: "The refresh token is invalid or expired.")
        case .refreshTokenReused: Problem(.unauthorized, detail: "The refresh token was already used; the session has been ended.")
        case .csrfTokenMismatch: Problem(.forbidden, detail: "The X-CSRF-Token header does not match the session's CSRF cookie.")
        case .resetTokenInvalid:
            Problem.badRequest(
                "The reset token is invalid, expired or already used.",
                errors: [FieldError(field: "token", message: "is invalid or expired")])
        case .userNotFound: Problem.notFound("User")
        case .lastAdmin:
            Problem(
                .conflict, detail: "This is the last admin; promote another user before changing this role (or use `bazaar admin promote`)."
            )
        }
    }
}
