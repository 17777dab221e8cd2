import Contracts
import Foundation
import Hummingbird
import PlatformHTTP

/// Identity's HTTP surface; see api.md.
struct IdentityRoutes: Sendable {
    let service: IdentityService
    let keys: SigningKeys
    let browser: BrowserSession

    /// The refresh token in a refresh or logout's body. No body at all is no credential (401):
    /// the body is optional because a browser uses the cookie instead.
    private func bodyToken(_ request: Request, context: BazaarRequestContext) async throws -> String {
        var request = request
        let bytes = try await request.collectBody(upTo: context.maxUploadSize)
        guard bytes.readableBytes > 0 else { throw IdentityError.refreshTokenInvalid }
        return try await request.decodeBody(RefreshTokenPayload.self, context: context).refreshToken
    }

    /// A login or registration's answer: the refresh token in the body, or as a cookie when a
    /// browser asked for it (`wantsCookie`, read before the work so a bad header writes nothing).
    private func answer(_ result: IdentityService.AuthResult, status: HTTPResponse.Status, wantsCookie: Bool)
        -> EditedResponse<IdentityService.AuthResult>
    {
        wantsCookie ? browser.answer(result, status: status) : EditedResponse(status: status, response: result)
    }

    func addPublic(to api: RouterGroup<BazaarRequestContext>) {
        api.post("auth/register") { request, context -> EditedResponse<IdentityService.AuthResult> in
            let body = try await request.decodeBody(RegisterPayload.self, context: context)
            let wantsCookie = try BrowserSession.isWanted(by: request)
            return answer(try await service.register(body), status: .created, wantsCookie: wantsCookie)
        }
        api.post("auth/login") { request, context -> EditedResponse<IdentityService.AuthResult> in
            let body = try await request.decodeBody(LoginPayload.self, context: context)
            let wantsCookie = try BrowserSession.isWanted(by: request)
            return answer(
                try await service.login(body, clientAddress: context.clientAddress, logger: context.logger), status: .ok,
                wantsCookie: wantsCookie)
        }
        api.post("auth/refresh") { request, context -> EditedResponse<IdentityService.AuthResult> in
            if BrowserSession.isUsed(by: request) {
                let result = try await service.refresh(try browser.refreshToken(from: request), logger: context.logger)
                return browser.answer(result, status: .ok)
            }
            let token = try await bodyToken(request, context: context)
            return EditedResponse(status: .ok, response: try await service.refresh(token, logger: context.logger))
        }
        api.post("auth/logout") { request, context -> Response in
            if BrowserSession.isUsed(by: request) {
                // The cookies go even when the session had already ended.
                let token = try browser.refreshToken(from: request)
                try? await service.logout(token)
                return Response(status: .noContent, headers: browser.cleared())
            }
            try await service.logout(try await bodyToken(request, context: context))
            return Response(status: .noContent)
        }
        api.post("auth/password-reset") { request, context -> HTTPResponse.Status in
            try await service.requestPasswordReset(email: try await request.decodeBody(PasswordResetPayload.self, context: context).email)
            return .accepted
        }
        api.post("auth/password-reset/confirm") { request, context -> HTTPResponse.Status in
            try await service.confirmPasswordReset(try await request.decodeBody(PasswordResetConfirmPayload.self, context: context))
            return .noContent
        }
    }

    func addAuthenticated(to group: RouterGroup<AuthenticatedContext>) {
        group.get("users/me") { _, context -> UserView in
            UserView(try await currentUser(context))
        }
        group.patch("users/me") { request, context -> UserView in
            let patch = try await request.decodeBody(ProfilePatchPayload.self, context: context)
            return UserView(try await service.updateProfile(userID: context.user.id, patch))
        }
        group.get("users/me/preferences") { _, context -> Preferences in
            try await currentUser(context).preferences
        }
        group.put("users/me/preferences") { request, context -> Preferences in
            try await service.updatePreferences(userID: context.user.id, try await request.decodeBody(Preferences.self, context: context))
        }
    }

    func addAdmin(to admin: RouterGroup<AdminContext>) {
        admin.get("users") { request, _ -> ListResponse<UserView> in
            let limit = try Paging.limit(from: request)
            let cursor = request.uri.queryParameters["cursor"].flatMap { $0.isEmpty ? nil : String($0) }
            let email = request.uri.queryParameters["email"].map(String.init)
            let page = try await service.users.list(after: cursor, emailContains: email, limit: limit + 1)
            let items = page.prefix(limit).map(UserView.init)
            return ListResponse(items: Array(items), nextCursor: page.count > limit ? items.last?.id : nil)
        }
        admin.get("users/{id}") { _, context -> UserView in
            guard let user = try await service.users.find(id: context.parameters.get("id") ?? "") else { throw IdentityError.userNotFound }
            return UserView(user)
        }
        admin.put("users/{id}/role") { request, context -> UserView in
            let body = try await request.decodeBody(RolePayload.self, context: context)
            let id = context.parameters.get("id") ?? ""
            return UserView(try await service.changeRole(userID: id, to: body.role, by: context.user.id))
        }
    }

    /// Served at the root: `/.well-known/jwks.json`.
    func addWellKnown(to router: Router<BazaarRequestContext>) {
        router.get(".well-known/jwks.json") { _, _ -> Response in
            let jwks = JWKSDocument(keys: try await keys.all().map { JWKSDocument.Key(kid: $0.kid, x: $0.x) })
            let response = try JSONEncoder().encode(jwks)
            return Response(
                status: .ok, headers: [.contentType: "application/jwk-set+json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: ByteBuffer(bytes: response)))
        }
    }

    private func currentUser(_ context: AuthenticatedContext) async throws -> UserRecord {
        guard let user = try await service.users.find(id: context.user.id) else { throw IdentityError.userNotFound }
        return user
    }
}

extension UserView: ResponseEncodable {}
extension Preferences: ResponseEncodable {}
extension IdentityService.AuthResult: ResponseEncodable {}

struct JWKSDocument: Codable {
    struct Key: Codable {
        var kty = "OKP"
        var crv = "Ed25519"
        var use = "sig"
        var alg = "EdDSA"
        let kid: String
        let x: String

        init(kid: String, x: String) {
            self.kid = kid
            self.x = x
        }
    }
    let keys: [Key]
}
