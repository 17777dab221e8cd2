import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Catalog routes")
struct ProductRoutesTests {
    @Test(arguments: TestEngine.allCases)
    func adminManagesProductsAndEventsFollow(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let created = try await app.createProduct(admin: admin, sku: "MUG-1", name: "Mug", price: 1250, stock: 5)
            #expect(created.price == Price(amount: 1250, currency: "USD"))
            #expect(try await app.product(created.id) == created)

            let patched = try await app.request(
                .patch, "/api/v1/products/\(created.id)", token: admin,
                json: #"{"name":"Big Mug","price":{"amount":1500,"currency":"USD"}}"#)
            #expect(patched.status == .ok)
            #expect(try patched.decode(ProductBody.self).name == "Big Mug")
            #expect(try patched.decode(ProductBody.self).sku == "MUG-1")

            let stocked = try await app.request(.put, "/api/v1/products/\(created.id)/stock", token: admin, json: #"{"stock":42}"#)
            #expect(try stocked.decode(ProductBody.self).stock == 42)

            #expect(try await app.request(.delete, "/api/v1/products/\(created.id)", token: admin).status == .noContent)
            #expect(try await app.product(created.id) == nil)
            #expect(try await app.request(.delete, "/api/v1/products/\(created.id)", token: admin).status == .notFound)
            #expect(
                try await app.request(.patch, "/api/v1/products/\(created.id)", token: admin, json: #"{"name":"x"}"#).status == .notFound)
            let listed = try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self)
            #expect(listed.items.isEmpty)

            let log = app.bazaar.platform.events
            #expect(try await log.recent(type: "product.created", limit: 5).count == 1)
            #expect(try await log.recent(type: "product.updated", limit: 5).count == 2)
            #expect(try await log.recent(type: "product.deleted", limit: 5).count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func skusAreUnique(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let first = try await app.createProduct(admin: admin, sku: "SKU-1")
            let second = try await app.createProduct(admin: admin, sku: "SKU-2")
            let duplicate = try await app.request(
                .post, "/api/v1/products", token: admin,
                json: #"{"sku":"SKU-1","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":1}"#)
            #expect(duplicate.status == .conflict)
            let rename = try await app.request(.patch, "/api/v1/products/\(second.id)", token: admin, json: #"{"sku":"SKU-1"}"#)
            #expect(rename.status == .conflict)
            // Keeping one's own SKU is not a conflict.
            #expect(try await app.request(.patch, "/api/v1/products/\(first.id)", token: admin, json: #"{"sku":"SKU-1"}"#).status == .ok)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func listingSearchesAndPages(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            for index in 0..<7 {
                _ = try await app.createProduct(
                    admin: admin, sku: "T-\(index)", name: index.isMultiple(of: 2) ? "Red Teapot \(index)" : "Blue Cup \(index)",
                    description: index == 3 ? "goes with a TEAPOT" : "plain")
                app.clock.advance(by: 1)
            }
            var names: [String] = []
            var cursor: String?
            repeat {
                let page = try await app.request(.get, "/api/v1/products?limit=3" + (cursor.map { "&cursor=\($0)" } ?? "")).decode(
                    Page<ProductBody>.self)
                names += page.items.map(\.name)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(names.count == 7)
            #expect(names.first == "Red Teapot 6")  // newest first

            let teapots = try await app.request(.get, "/api/v1/products?q=teapot").decode(Page<ProductBody>.self)
            #expect(Set(teapots.items.map(\.sku)) == ["T-0", "T-2", "T-4", "T-6", "T-3"])
            let wildcard = try await app.request(.get, "/api/v1/products?q=%25").decode(Page<ProductBody>.self)
            #expect(wildcard.items.isEmpty)

            #expect(try await app.request(.get, "/api/v1/products?cursor=garbage").status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/products?limit=500").status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/products/nope").status == .notFound)
        }
    }

    @Test(arguments: TestEngine.allCases)
    func writesNeedAnAdmin(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let product = try await app.createProduct(admin: admin, sku: "LOCK-1", stock: 3)
            let user = try await app.register(email: "shopper@example.com").accessToken
            let body = #"{"sku":"NEW-1","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":1}"#
            let writes: [(HTTPRequest.Method, String, String?)] = [
                (.post, "/api/v1/products", body), (.patch, "/api/v1/products/\(product.id)", #"{"name":"hacked"}"#),
                (.delete, "/api/v1/products/\(product.id)", nil), (.put, "/api/v1/products/\(product.id)/stock", #"{"stock":999}"#),
            ]
            for (method, path, json) in writes {
                #expect(try await app.request(method, path, token: user, json: json).status == .forbidden, "\(method) \(path)")
                #expect(try await app.request(method, path, json: json).status == .unauthorized, "\(method) \(path)")
            }
            #expect(try await app.product(product.id) == product)
        }
    }

    static let badBodies: [(String, String)] = [
        (#"{"sku":"A","name":"x","description":"","price":{"amount":-1,"currency":"USD"},"stock":1}"#, "price.amount"),
        (#"{"sku":"A","name":"x","description":"","price":{"amount":1,"currency":"usd"},"stock":1}"#, "price.currency"),
        (#"{"sku":"A","name":"x","description":"","price":{"amount":1.5,"currency":"USD"},"stock":1}"#, "price.amount"),
        (#"{"sku":"A","name":"x","description":"","price":1999,"stock":1}"#, "price"),
        (#"{"sku":"A","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":-5}"#, "stock"),
        (#"{"sku":"A","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":"10"}"#, "stock"),
        (#"{"sku":"has space","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":1}"#, "sku"),
        (#"{"sku":"A","name":"","description":"","price":{"amount":1,"currency":"USD"},"stock":1}"#, "name"),
        (#"{"sku":"A","name":"x","price":{"amount":1,"currency":"USD"},"stock":1}"#, "description"),
        (#"{"sku":"A","name":"x","description":"","price":{"amount":1,"currency":"USD"},"stock":1,"id":"mine"}"#, "id"),
    ]

    @Test(arguments: TestEngine.allCases)
    func badProductBodiesAreRefusedAndWriteNothing(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            for (body, field) in Self.badBodies {
                let response = try await app.request(.post, "/api/v1/products", token: admin, json: body)
                #expect(response.status == .unprocessableContent, "\(body)")
                #expect(try response.problem().fields.contains(field), "\(body) → \(response.text)")
            }
            #expect(try await app.request(.post, "/api/v1/products", token: admin, json: "{oops").status == .badRequest)
            let product = try await app.createProduct(admin: admin, sku: "OK-1")
            let badStock = try await app.request(.put, "/api/v1/products/\(product.id)/stock", token: admin, json: #"{"stock":2000000000}"#)
            #expect(badStock.status == .unprocessableContent)
            let badPatch = try await app.request(.patch, "/api/v1/products/\(product.id)", token: admin, json: #"{"stock":5}"#)
            #expect(try badPatch.problem().fields == ["stock"])
            let listed = try await app.request(.get, "/api/v1/products").decode(Page<ProductBody>.self)
            #expect(listed.items == [product])
        }
    }

    /// `?ids=` (the gateway's batch lookup): those products in the order asked, unknown and
    /// deleted ones left out, duplicates once; a malformed list is a 400 naming `ids`.
    @Test(arguments: TestEngine.allCases)
    func productsByIDsInOneCall(engine: TestEngine) async throws {
        try await TestBazaar.run(engine) { app in
            let admin = try await app.admin().accessToken
            let a = try await app.createProduct(admin: admin, sku: "IDS-A")
            let b = try await app.createProduct(admin: admin, sku: "IDS-B")
            let gone = try await app.createProduct(admin: admin, sku: "IDS-GONE")
            #expect(try await app.request(.delete, "/api/v1/products/\(gone.id)", token: admin).status == .noContent)

            let found = try await app.request(.get, "/api/v1/products?ids=\(b.id),unknown,\(a.id),\(gone.id),\(b.id)")
            #expect(found.status == .ok)
            let page = try found.decode(Page<ProductBody>.self)
            #expect(page.items.map(\.id) == [b.id, a.id])
            #expect(page.nextCursor == nil)

            let tooMany = Array(repeating: a.id, count: 101).joined(separator: ",")
            for bad in ["", "\(a.id),,\(b.id)", tooMany, String(repeating: "x", count: 65)] {
                let response = try await app.request(.get, "/api/v1/products?ids=\(bad)")
                #expect(response.status == .badRequest, "ids=\(bad.prefix(20))")
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(try response.problem().fields == ["ids"])
            }
        }
    }
}
