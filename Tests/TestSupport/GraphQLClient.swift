import Foundation
public import HTTPTypes
public import PlatformCore

/// A GraphQL answer as a client reads it.
public struct GraphAnswer: Sendable {
    public let status: HTTPResponse.Status
    public let json: JSONValue
    public var data: JSONValue { json["data"] }
    public var errors: [JSONValue] { json["errors"].array }
    /// `extensions.code` of every error, in order.
    public var codes: [String] { errors.map { $0["extensions"]["code"].string ?? "" } }
}

extension JSONValue {
    public subscript(key: String) -> JSONValue {
        if case .object(let fields) = self { return fields[key] ?? .null }
        return .null
    }
    public subscript(index: Int) -> JSONValue {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return .null
    }
    public var string: String? { if case .string(let value) = self { value } else { nil } }
    public var int: Int? { if case .number(let value) = self { Int(exactly: value) } else { nil } }
    public var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    public var array: [JSONValue] { if case .array(let items) = self { items } else { [] } }
    public var isNull: Bool { self == .null }
    /// An object's field names; none for anything else.
    public var keys: [String] { if case .object(let fields) = self { Array(fields.keys) } else { [] } }
}

extension TestBazaar {
    /// POSTs one operation to `/graphql`.
    public func graphQL(
        _ query: String, variables: [String: JSONValue] = [:], token: String? = nil, headers: HTTPFields = [:]
    ) async throws -> GraphAnswer {
        let body = try JSONEncoder().encode(JSONValue.object(["query": .string(query), "variables": .object(variables)]))
        let response = try await request(.post, "/graphql", token: token, json: String(decoding: body, as: UTF8.self), headers: headers)
        return GraphAnswer(
            status: response.status, json: (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))) ?? .null)
    }

    /// Like `graphQL`, but fails the test unless the answer has no errors; returns `data`.
    public func graphQLData(_ query: String, variables: [String: JSONValue] = [:], token: String? = nil) async throws -> JSONValue {
        let answer = try await graphQL(query, variables: variables, token: token)
        guard answer.status == .ok, answer.errors.isEmpty else { throw GraphQLFailed(answer: answer) }
        return answer.data
    }

    public struct GraphQLFailed: Error, CustomStringConvertible {
        public let answer: GraphAnswer
        public var description: String { "GraphQL failed: \(answer.status) \(answer.json)" }
    }
}
