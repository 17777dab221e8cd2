import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

/// The web front's session: the refresh token lives in an HttpOnly cookie the page's script never
/// sees, and every use of that cookie must echo the CSRF cookie's token.
@Suite("Browser sessions: the refresh token as a cookie, with CSRF protection")
struct BrowserSessionTests {
    struct Cookies {
        var values: [String: String] = [:]
        var attributes: [String: String] = [:]

        /// Takes the Set-Cookie fields of an answer, as a browser keeps them.
        mutating func take(_ response: TestResponse) {
            for field in response.headers where field.name == .setCookie {
                let name = String(field.value.prefix { $0 != "=" })
                let value = String(field.value.dropFirst(name.count + 1).prefix { $0 != ";" })
                values[name] = value
                attributes[name] = field.value
            }
        }

        var header: String { values.filter { !$0.value.isEmpty }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ") }
        var csrf: String { values["bazaar_csrf"] ?? "" }
    }

    func refresh(_ app: TestBazaar, _ cookies: Cookies, csrf: String? = nil) async throws -> TestResponse {
        try await app.request(
            .post, "/api/v1/auth/refresh", headers: [.cookie: cookies.header, .init("X-CSRF-Token")!: csrf ?? cookies.csrf])
    }

    @Test(arguments: TestEngine.allCases)
    func theRefreshTokenNeverReachesTheScript(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            _ = try await app.register(email: "bo@example.com")
            var cookies = Cookies()
            let login = try await app.request(
                .post, "/api/v1/auth/login", json: #"{"email":"bo@example.com","password":"password-123"}"#,
                headers: [.init("Session-Cookie")!: "true"])
            #expect(login.status == .ok)
            #expect(!login.text.contains("refreshToken"))
            #expect(login.text.contains("accessToken"))
            #expect(login.headers[.cacheControl] == "no-store")
            cookies.take(login)
            let refreshCookie = try #require(cookies.attributes["bazaar_refresh"])
            #expect(refreshCookie.contains("HttpOnly") && refreshCookie.contains("SameSite=Strict"))
            #expect(refreshCookie.contains("Path=/api/v1/auth") && !refreshCookie.contains("Secure"))
            let csrfCookie = try #require(cookies.attributes["bazaar_csrf"])
            #expect(!csrfCookie.contains("HttpOnly") && csrfCookie.contains("SameSite=Strict"))
            #expect(csrfCookie.contains("Path=/") && !csrfCookie.contains("Path=/api"))

            // Without the echoed token, or with another, the cookie is refused and not spent.
            #expect(try await refresh(app, cookies, csrf: "forged").status == .forbidden)
            #expect(try await refresh(app, cookies, csrf: "").status == .forbidden)
            // Without X-CSRF-Token the cookie is not used at all: no body is no credential.
            let noHeader = try await app.request(.post, "/api/v1/auth/refresh", headers: [.cookie: cookies.header])
            #expect(noHeader.status == .unauthorized)
            #expect(try await app.request(.post, "/api/v1/auth/logout", headers: [.cookie: cookies.header]).status == .unauthorized)

            let spent = cookies
            let refreshed = try await refresh(app, cookies)
            #expect(refreshed.status == .ok)
            #expect(!refreshed.text.contains("refreshToken"))
            cookies.take(refreshed)
            #expect(cookies.values["bazaar_refresh"] != spent.values["bazaar_refresh"])
            let me = try await app.request(.get, "/api/v1/users/me", token: try refreshed.decode(AccessOnly.self).accessToken)
            #expect(me.status == .ok)

            // The cookie rotates like a refresh token in a body: the spent one ends the session.
            #expect(try await refresh(app, spent).status == .unauthorized)
            #expect(try await refresh(app, cookies).status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func logoutEndsTheSessionAndClearsTheCookies(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            var cookies = Cookies()
            let register = try await app.request(
                .post, "/api/v1/auth/register", json: #"{"email":"cy@example.com","password":"password-123","name":"Cy"}"#,
                headers: [.init("Session-Cookie")!: "true"])
            #expect(register.status == .created)
            cookies.take(register)
            let before = cookies
            let forged = try await app.request(
                .post, "/api/v1/auth/logout", headers: [.cookie: cookies.header, .init("X-CSRF-Token")!: "forged"])
            #expect(forged.status == .forbidden)
            #expect(forged.headers[.contentType] == "application/problem+json")
            let logout = try await app.request(
                .post, "/api/v1/auth/logout", headers: [.cookie: cookies.header, .init("X-CSRF-Token")!: cookies.csrf])
            #expect(logout.status == .noContent)
            cookies.take(logout)
            #expect(cookies.attributes["bazaar_refresh"]?.contains("Max-Age=0") == true)
            #expect(cookies.header.isEmpty)
            #expect(try await refresh(app, before).status == .unauthorized)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func cookiesAreSecureWhenServedOverHTTPS(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.identity.publicBaseURL = "https://shop.example.com" }) { app in
            _ = try await app.register(email: "di@example.com")
            var cookies = Cookies()
            cookies.take(
                try await app.request(
                    .post, "/api/v1/auth/login", json: #"{"email":"di@example.com","password":"password-123"}"#,
                    headers: [.init("Session-Cookie")!: "true"]))
            #expect(cookies.attributes.count == 3)
            #expect(cookies.attributes.values.allSatisfy { $0.contains("Secure") })
        }
    }

    /// The admin console's page goes only to a browser holding an admin's valid access token in
    /// its console cookie; everyone else is sent to sign in.
    @Test(arguments: TestEngine.allCases)
    func theAdminConsolePageIsServedOnlyToAnAdmin(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            func console(_ cookie: String?) async throws -> TestResponse {
                try await app.request(.get, "/admin", headers: cookie.map { [.cookie: "bazaar_console=\($0)"] } ?? [:])
            }
            func signIn(_ email: String, _ password: String) async throws -> Cookies {
                var cookies = Cookies()
                cookies.take(
                    try await app.request(
                        .post, "/api/v1/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#,
                        headers: [.init("Session-Cookie")!: "true"]))
                return cookies
            }
            let anonymous = try await console(nil)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location] == "/#/login?next=/admin")
            #expect(anonymous.body.readableBytes == 0)

            let admin = try await signIn(TestBazaar.adminEmail, TestBazaar.adminPassword)
            let cookie = try #require(admin.attributes["bazaar_console"])
            #expect(cookie.contains("HttpOnly") && cookie.contains("Path=/admin") && cookie.contains("SameSite=Strict"))
            let page = try await console(admin.values["bazaar_console"])
            #expect(page.status == .ok)
            #expect(page.text.contains(#"src="/assets/admin.js""#))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)

            // A customer's sign-in clears any console cookie; a customer's token there is refused.
            _ = try await app.register(email: "fay@example.com")
            let customer = try await signIn("fay@example.com", "password-123")
            #expect(customer.attributes["bazaar_console"]?.contains("Max-Age=0") == true)
            let customerToken = try await app.login(email: "fay@example.com", password: "password-123").accessToken
            #expect(try await console(customerToken).status == .seeOther)
            #expect(try await console("forged").status == .seeOther)
            // Expired with the access token (15 minutes), as the cookie's Max-Age says.
            #expect(cookie.contains("Max-Age=900"))
            app.clock.advance(by: 16 * 60)
            #expect(try await console(admin.values["bazaar_console"]).status == .seeOther)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func aSessionCookieHeaderIsTrueOrFalse(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let refused = try await app.request(
                .post, "/api/v1/auth/register", json: #"{"email":"gil@example.com","password":"password-123","name":"Gil"}"#,
                headers: [.init("Session-Cookie")!: "yes"])
            #expect(refused.status == .badRequest)
            #expect(refused.headers[.contentType] == "application/problem+json")
            // Nothing written: the address is still free, and false means the body.
            let plain = try await app.request(
                .post, "/api/v1/auth/register", json: #"{"email":"gil@example.com","password":"password-123","name":"Gil"}"#,
                headers: [.init("Session-Cookie")!: "false"])
            #expect(plain.status == .created)
            #expect(try plain.decode(Session.self).refreshToken.isEmpty == false)
        }
    }

    /// A client that does not ask for the cookie gets the token in the body, as before.
    @Test(arguments: TestEngine.allCases)
    func apiClientsStillGetTheTokenInTheBody(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let session = try await app.register(email: "ed@example.com")
            #expect(!session.refreshToken.isEmpty)
            let login = try await app.request(.post, "/api/v1/auth/login", json: #"{"email":"ed@example.com","password":"password-123"}"#)
            #expect(login.headers[.setCookie] == nil)
        }
    }

    struct AccessOnly: Decodable { let accessToken: String }
}
