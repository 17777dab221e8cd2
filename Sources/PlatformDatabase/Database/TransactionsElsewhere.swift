import SQLKit
import Synchronization

/// The settled horizon on PostgreSQL (`Database.settledTransactions`), and the transactions of
/// *other* databases of the cluster it leaves out.
///
/// The snapshot's xmin alone is the oldest transaction running anywhere in the cluster: one long
/// write in another database (another application's batch job, another test's database in the
/// suite) held back every reader of the event log here until it ended. So the transactions
/// `pg_stat_activity` shows in other databases are left out of the snapshot's running ones
/// (`xip`); the horizon is the oldest of those left, or the snapshot's `xmax` when none is.
/// Only a sighting elsewhere leaves one out (any role may see `backend_xid`): a transaction that
/// ended meanwhile, or a prepared one (two-phase commit, in no session), still counts, as before.
///
/// `pg_stat_activity` costs a few microseconds per backend (about 0.2 ms at 40 backends, against
/// 0.05 ms for a read of the snapshot), too much for every read of the log; so it is looked at
/// no more than once per `interval`, by whichever read finds it due, on that read's connection.
/// A transaction that starts elsewhere holds readers back until the next look.
final class TransactionsElsewhere: Sendable {
    private struct State {
        /// The 32-bit xids (`pg_stat_activity` shows no epoch) last seen running elsewhere.
        var xids: [Int64] = []
        var due = ContinuousClock.now
        var looking = false
    }

    private let state = Mutex(State())
    let interval: Duration

    init(interval: Duration = .seconds(1)) {
        self.interval = interval
    }

    func settledTransactions(on db: any SQLDatabase) async throws -> SQLQueryString {
        if state.withLock({ state in
            guard !state.looking, state.due <= .now else { return false }
            state.looking = true
            return true
        }) {
            defer { state.withLock { $0.looking = false; $0.due = .now + interval } }
            let rows = try await db.raw(
                """
                SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity WHERE backend_xid IS NOT NULL \
                AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            ).all()
            let xids = try rows.map { try $0.decode(column: "xid", as: Int64.self) }
            state.withLock { $0.xids = xids }
        }
        let xids = state.withLock { $0.xids }
        // The usual case, and the cheaper statement: nothing runs elsewhere.
        guard !xids.isEmpty else { return " AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint" }
        return """
             AND tx_id < coalesce((SELECT min(running::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS running \
            WHERE running::text::bigint % 4294967296 <> ALL(\(bind: xids))), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
            """
    }
}
