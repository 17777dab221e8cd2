import Foundation
import Hummingbird
import Platform
import PlatformCore
import PlatformHTTP

extension PromotionView: ResponseEncodable {}

struct ClaimResult: ResponseEncodable, Sendable {
    let balance: Money
}

struct WalletView: ResponseEncodable, Sendable {
    let balance: Money
    let entries: [WalletEntryView]
    @NullWhenAbsent var nextCursor: String?
}

struct AssignResult: ResponseEncodable, Sendable {
    let assigned: Int
}

/// Promotions' HTTP face: decodes requests and calls `PromotionsService`, whose refusals
/// (`PromotionsError`) are answered as problems.
struct PromotionsRoutes: Sendable {
    let service: PromotionsService

    func add(to groups: RouteGroups) {
        groups.admin.post("promotions") { request, context -> EditedResponse<PromotionView> in
            let payload = try await request.decodeBody(CreatePromotionPayload.self, context: context)
            return EditedResponse(status: .created, response: try await service.create(payload))
        }
        groups.admin.get("promotions") { request, _ -> ListResponse<PromotionView> in
            try await Paging.keysetPage(
                request, fetch: { try await service.list(after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: $0.id) }, view: { $0 })
        }
        groups.admin.post("promotions/{id}/assignments") { request, context -> AssignResult in
            let payload = try await request.decodeBody(AssignPayload.self, context: context)
            return AssignResult(
                assigned: try await service.assign(promotionID: context.parameters.get("id") ?? "", userIDs: payload.userIds))
        }
        groups.authenticated.get("promotions") { request, context -> ListResponse<PromotionView> in
            try await Paging.keysetPage(
                request, fetch: { try await service.assigned(to: context.user.id, after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.assignedAt?.millisecondsSince1970 ?? 0, id: $0.id) }, view: { $0 })
        }
        groups.authenticated.post("promotions/{id}/claim") { _, context -> ClaimResult in
            ClaimResult(balance: try await service.claim(promotionID: context.parameters.get("id") ?? "", userID: context.user.id))
        }
        groups.authenticated.get("wallet") { request, context -> WalletView in
            let page = try await Paging.keysetPage(
                request, fetch: { try await service.walletEntries(userID: context.user.id, after: $0, limit: $1) },
                cursor: { KeysetCursor(timestamp: $0.createdAt.millisecondsSince1970, id: String($0.id)) }, view: { $0 })
            return WalletView(balance: try await service.balance(userID: context.user.id), entries: page.items, nextCursor: page.nextCursor)
        }
    }
}
