import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import WebFront

/// The pages Bazaar serves to browsers: everything they load comes from Bazaar itself, under a
/// strict Content-Security-Policy, and they work in a real browser.
@Suite struct WebPagesTests {
    @Test(arguments: TestEngine.allCases)
    func pagesAndAssetsComeFromBazaarItself(engine: TestEngine) async throws {
        try await TestBazaar.run(engine, configure: { $0.graphQLIntrospection = true }) { app in
            // The admin console's page is tested with the sessions that may or may not see it (BrowserSessionTests).
            for path in ["/", "/reset-password?token=abc", "/api-docs/v1", "/api-docs/v1/", "/graphql", "/realtime"] {
                let page = try await app.request(.get, path)
                #expect(page.status == .ok, "\(path)")
                #expect(page.headers[.contentType] == "text/html; charset=utf-8")
                let policy = try #require(page.headers[.contentSecurityPolicy])
                #expect(
                    policy.contains("script-src 'self'") && policy.contains("connect-src 'self'") && policy.contains("default-src 'none'"))
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                // Scripts and styles only by reference to this origin: no inline script for the policy to refuse.
                #expect(!page.text.contains("<script>") && !page.text.contains("<style>"))
                #expect(Self.otherHost(in: page.text) == nil, "\(path) names another host")
            }
            #expect(try await app.request(.get, "/api-docs/v1").text.contains(#"src="/assets/api-reference.js""#))
            #expect(try await app.request(.get, "/graphql").text.contains(#"src="/assets/graphql-explorer.js""#))
            #expect(try await app.request(.get, "/").text.contains(#"src="/assets/store.js""#))

            for name in WebFront.assetNames {
                let asset = try await app.request(.get, "/assets/\(name)")
                #expect(asset.status == .ok, "\(name)")
                #expect(Self.otherHost(in: asset.text) == nil, "\(name) names another host")
                let etag = try #require(asset.headers[.eTag])
                #expect(asset.headers[.cacheControl] == "no-cache")
                let again = try await app.request(.get, "/assets/\(name)", headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                #expect(try await app.request(.get, "/assets/\(name)", headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            }
            #expect(try await app.request(.get, "/assets/bazaar.css").headers[.contentType] == "text/css; charset=utf-8")
            #expect(try await app.request(.get, "/assets/api-reference.js").headers[.contentType] == "text/javascript; charset=utf-8")
            #expect(try await app.request(.get, "/assets/favicon.svg").headers[.contentType] == "image/svg+xml")
            let missing = try await app.request(.get, "/assets/nothing.js")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(try await app.request(.get, "/assets/..%2Fapi-reference.js").status == .notFound)
            // Pages only at their routes: the admin console's page is not an asset anyone may fetch.
            #expect(try await app.request(.get, "/assets/admin.html").status == .notFound)
        }
    }

    /// A URL of another host: not a CDN, not a font service (SVG's namespace is a name, never fetched).
    static func otherHost(in text: String) -> Range<String.Index>? {
        text.replacingOccurrences(of: "\"http://www.w3.org/2000/svg\"", with: "")
            .range(of: #"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/"#, options: .regularExpression)
    }

    /// Headless Chromium (Selenium) uses the API reference, the GraphQL explorer and the realtime
    /// page as a person would, with the browser's own record of every request it made.
    @Test func theReferenceAndTheExplorerWorkInARealBrowser() async throws {
        try await TestBazaar.run(.sqlite, live: true, configure: { $0.graphQLIntrospection = true }) { app in
            let user = try await app.register(email: "browser@example.com")
            let admin = try await app.admin().accessToken
            try await app.consumersCaughtUp()  // Notifications knows the user before one is sent to them
            let browser = try PeerProcess(
                script: "browser_pages.py",
                arguments: [
                    "--url", "http://127.0.0.1:\(app.port)", "--token", user.accessToken, "--user-id", user.user.id, "--admin-token", admin,
                ])
            defer { browser.stop() }
            let status = try await browser.waitForExit(timeout: .seconds(120))
            #expect(status == 0, "\(browser.output.joined(separator: "\n"))")
            #expect(browser.output.filter { $0.hasPrefix("PASS ") }.count == 15, "\(browser.output.joined(separator: "\n"))")
        }
    }

    /// Two headless Chromium browsers as a customer and an admin, through the storefront and the
    /// admin console (scripts/peers/browser_shop.py lists the journeys). Each journey's last
    /// screen is saved under BAZAAR_TEST_SCREENSHOTS (scripts/test names the folder).
    @Test func theStorefrontAndTheAdminConsoleInRealBrowsers() async throws {
        let screenshots =
            ProcessInfo.processInfo.environment["BAZAAR_TEST_SCREENSHOTS"]
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("bazaar-screenshots").path
        try await TestBazaar.run(.sqlite, live: true) { app in
            let browser = try PeerProcess(
                script: "browser_shop.py",
                arguments: [
                    "--url", "http://127.0.0.1:\(app.port)", "--admin-email", TestBazaar.adminEmail, "--admin-password",
                    TestBazaar.adminPassword,
                    "--screenshots", screenshots,
                ])
            defer { browser.stop() }
            let status = try await browser.waitForExit(timeout: .seconds(300))
            let output = browser.output.joined(separator: "\n")
            #expect(status == 0, "\(output)")
            #expect(!browser.output.contains { $0.hasPrefix("FAIL ") }, "\(output)")
            #expect(browser.output.filter { $0.hasPrefix("PASS ") }.count == 27, "\(output)")
            for name in ["storefront.png", "customer.png", "customer-shipped.png", "admin.png", "password-reset.png"] {
                #expect(FileManager.default.fileExists(atPath: screenshots + "/" + name), "\(name)")
            }
        }
    }
}
