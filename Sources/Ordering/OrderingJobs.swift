import Foundation
import Platform
import PlatformEvents

/// Keeps idempotency keys for 48 hours (the promise is at least 24).
struct PurgeIdempotencyKeys: JobHandler {
    static let kind = "ordering.purge-idempotency-keys"
    var kind: String { Self.kind }
    let platform: PlatformContext

    func run(_ job: Job) async throws {
        let cutoff = platform.clock.now().addingTimeInterval(-48 * 3600).millisecondsSince1970
        try await OrderStore(database: platform.database).purgeIdempotencyKeys(before: cutoff)
    }
}
