import Foundation
import HTTPTypes
import Hummingbird
import PlatformAuth
import PlatformHTTP

/// Browsers keep the refresh token where no script can read it: an `HttpOnly`, `SameSite=Strict`
/// cookie scoped to the auth routes (`Secure` when the public URL is https). A login or a
/// registration asks for it with `Session-Cookie: true`; its answer then sets the cookie instead of
/// carrying the token in the body (and, for an admin, puts the access token in a cookie only the
/// admin console's page receives, so the server can refuse that page to anyone else). A refresh or logout that sends `X-CSRF-Token` uses the cookie
/// (its body is ignored), and the token must equal the CSRF cookie's (double submit): another site
/// can make a browser send the cookie, but never read the CSRF cookie to echo it.
struct BrowserSession: Sendable {
    let secure: Bool
    let lifetimeSeconds: Int

    init(publicBaseURL: String, refreshTokenLifetime: TimeInterval) {
        secure = publicBaseURL.lowercased().hasPrefix("https:")
        lifetimeSeconds = Int(refreshTokenLifetime)
    }

    static func isWanted(by request: Request) throws -> Bool {
        switch request.headers[.sessionCookie]?.lowercased() {
        case nil, "false": false
        case "true": true
        default: throw Problem.badRequest("Session-Cookie must be true or false.")
        }
    }

    /// Whether a refresh or logout uses the cookie rather than a token in its body.
    static func isUsed(by request: Request) -> Bool {
        request.headers[.csrfToken] != nil
    }

    /// The refresh token in the cookie, once the echoed CSRF token matches its cookie.
    func refreshToken(from request: Request) throws -> String {
        let cookies = request.cookies
        guard let token = cookies[BrowserCookie.refresh]?.value, !token.isEmpty else { throw IdentityError.refreshTokenInvalid }
        guard let expected = cookies[BrowserCookie.csrf]?.value, let echoed = request.headers[.csrfToken], !expected.isEmpty,
            Secrets.constantTimeEqual(expected, echoed)
        else { throw IdentityError.csrfTokenMismatch }
        return token
    }

    /// The answer to a login, registration or refresh asked for by a browser: the refresh token
    /// and a fresh CSRF token as cookies, the rest in the body.
    func answer(_ result: IdentityService.AuthResult, status: HTTPResponse.Status) -> EditedResponse<IdentityService.AuthResult> {
        guard let refreshToken = result.refreshToken else { return EditedResponse(status: status, response: result) }
        var body = result
        body.refreshToken = nil
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: cookie(BrowserCookie.refresh, refreshToken, httpOnly: true).description))
        headers.append(
            HTTPField(name: .setCookie, value: cookie(BrowserCookie.csrf, Secrets.randomToken(bytes: 24), httpOnly: false).description))
        // An admin's access token for the console's page; anyone else's console cookie goes (a
        // demoted admin's too).
        let console =
            result.user.role == .admin
            ? cookie(BrowserCookie.console, result.accessToken, httpOnly: true, maxAge: result.expiresIn)
            : cookie(BrowserCookie.console, "", httpOnly: true, maxAge: 0)
        headers.append(HTTPField(name: .setCookie, value: console.description))
        headers[.cacheControl] = "no-store"
        return EditedResponse(status: status, headers: headers, response: body)
    }

    /// Both cookies removed, for the answer to a logout.
    func cleared() -> HTTPFields {
        var headers = HTTPFields()
        headers.append(HTTPField(name: .setCookie, value: cookie(BrowserCookie.refresh, "", httpOnly: true, maxAge: 0).description))
        headers.append(HTTPField(name: .setCookie, value: cookie(BrowserCookie.csrf, "", httpOnly: false, maxAge: 0).description))
        headers.append(HTTPField(name: .setCookie, value: cookie(BrowserCookie.console, "", httpOnly: true, maxAge: 0).description))
        return headers
    }

    /// The refresh cookie goes only to the auth routes and the console's only to its page; the
    /// CSRF cookie is read by the pages' script.
    private func cookie(_ name: String, _ value: String, httpOnly: Bool, maxAge: Int? = nil) -> Cookie {
        let path =
            switch name {
            case BrowserCookie.refresh: "/api/v1/auth"
            case BrowserCookie.console: "/admin"
            default: "/"
            }
        return Cookie(
            name: name, value: value, maxAge: maxAge ?? lifetimeSeconds, path: path, secure: secure, httpOnly: httpOnly, sameSite: .strict)
    }
}

extension HTTPField.Name {
    static let sessionCookie = HTTPField.Name("Session-Cookie")!
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
}
