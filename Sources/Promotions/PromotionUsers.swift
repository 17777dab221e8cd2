import Contracts
import PlatformEvents
import SQLKit

/// Promotions' copy of who exists, kept from `user.registered`, so an assignment to a user id
/// that names nobody is refused instead of silently waiting for a user who never comes.
/// A user registered a moment ago in another process may not be known yet (the event log's lag).
struct PromotionUsers: EventHandler {
    let name = "promotions.users"
    let handledEvents: [any DomainEvent.Type] = [UserRegistered.self]

    func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
        let user = try event.decode(UserRegistered.self)
        try await db.raw("INSERT INTO promotion_users (user_id) VALUES (\(bind: user.userID)) ON CONFLICT (user_id) DO NOTHING").run()
    }

    /// The ids among `userIDs` that name no known user, sorted.
    static func unknown(_ userIDs: Set<String>, on db: any SQLDatabase) async throws -> [String] {
        let known = try await db.select().column("user_id").from("promotion_users").where("user_id", .in, Array(userIDs)).all()
            .map { try $0.decode(column: "user_id", as: String.self) }
        return userIDs.subtracting(known).sorted()
    }
}
