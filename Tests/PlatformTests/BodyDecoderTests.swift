import Foundation
import PlatformCore
import Testing

@testable import PlatformHTTP

/// Request bodies are checked for fields they do not accept and decoded in one parse; each
/// kind of bad body still gets its own problem, naming the fields.
struct BodyDecoderTests {
    private struct Line: Decodable, Sendable {
        let productId: String
        let quantity: Int
    }

    private struct Payload: RequestPayload {
        let name: String
        let note: String?
        let price: Money?
        let items: [Line]?
        static let allowedFields: Set<String> = ["name", "note", "price", "items"]
        static let nestedFields: [String: Set<String>] = ["price": NestedFields.money, "items": ["productId", "quantity"]]
        static let nullableFields: Set<String> = ["note"]
    }

    private func problem(_ body: String) throws -> Problem {
        do {
            _ = try BodyDecoder.decode(Payload.self, from: Data(body.utf8))
        } catch let problem as Problem {
            return problem
        }
        Issue.record("accepted: \(body)")
        throw CancellationError()
    }

    @Test
    func aGoodBodyDecodes() throws {
        let body = #"{"name":"n","note":null,"price":{"amount":5,"currency":"EUR"},"items":[{"productId":"p","quantity":2}]}"#
        let payload = try BodyDecoder.decode(Payload.self, from: Data(body.utf8))
        #expect(payload.name == "n" && payload.note == nil && payload.price == Money(amount: 5, currency: "EUR"))
        #expect(payload.items?.first?.quantity == 2)
    }

    @Test
    func textThatIsNotAJSONObjectIsABadRequest() throws {
        for body in ["", "{oops", "[1,", #"{"name":"n""#] {
            let problem = try problem(body)
            #expect(problem.status == .badRequest && problem.detail == "The request body is not valid JSON.", "\(body)")
        }
        for body in ["[]", "12", #""text""#, "null"] {
            let problem = try problem(body)
            #expect(problem.status == .badRequest && problem.detail == "The request body must be a JSON object.", "\(body)")
        }
    }

    @Test
    func unknownFieldsAreNamedAtTheTopAndInsideNestedObjectsAndLists() throws {
        let body = #"{"name":"n","zeta":1,"alpha":2,"price":{"amount":1,"currency":"EUR","tax":3},"items":[{"productId":"p","quantity":1,"price":0},null,7,{"x":1}]}"#
        #expect(try problem(body).errors.map(\.field) == ["alpha", "zeta", "items[0].price", "items[3].x", "price.tax"])
        #expect(try problem(body).status == .unprocessableContent)
    }

    @Test
    func nullIsRefusedWhereItIsNotAllowed() throws {
        let problem = try problem(#"{"name":null,"note":null,"price":null}"#)
        #expect(problem.status == .unprocessableContent)
        #expect(problem.errors.map(\.field) == ["name", "price"])
    }

    @Test
    func badValuesNameTheirField() throws {
        let cases = [
            (#"{"note":"x"}"#, "name", "is required"),
            (#"{"name":5}"#, "name", "must be a string"),
            (#"{"name":"n","items":[{"productId":"p","quantity":1.5}]}"#, "items[0].quantity", "must be an integer"),
            (#"{"name":"n","items":[{"productId":"p","quantity":"2"}]}"#, "items[0].quantity", "must be an integer"),
        ]
        for (body, field, message) in cases {
            let problem = try problem(body)
            #expect(problem.status == .unprocessableContent, "\(body)")
            #expect(problem.errors.map(\.field) == [field] && problem.errors.map(\.message) == [message], "\(body) → \(problem.errors)")
        }
    }
}
