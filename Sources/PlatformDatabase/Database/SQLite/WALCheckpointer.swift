import NIOPosix
import Synchronization

/// Checkpoints the WAL from a connection of its own, on NIO's blocking thread pool, when a commit
/// left it `threshold` pages long. SQLite's automatic checkpoint would run inside the COMMIT that
/// crossed the threshold: on the write connection, under Bazaar's write lock, on one of the two
/// cooperative threads, through an fsync. Every writer waited for it and the CPU sat idle (a
/// profile of the order load had 12% of its samples in that checkpoint, 7% in its fsync).
///
/// PASSIVE like SQLite's own: it copies what no reader still needs and never blocks a writer or
/// a reader. Durability is the same: with `synchronous=NORMAL` the checkpoint is where the WAL is
/// synced, whichever connection runs it.
final class WALCheckpointer: Sendable {
    /// SQLite's own default (`wal_autocheckpoint`): 1000 pages, about 4 MiB.
    static let threshold = 1000
    private let connection: Mutex<SQLiteHandle?>
    private let scheduled = Atomic<Bool>(false)

    init(connection: SQLiteHandle) {
        self.connection = Mutex(connection)
    }

    /// Called by the write connection after each commit with the WAL's length in pages; starts a
    /// checkpoint unless one is already on its way. Returns at once.
    func committed(walPages: Int) {
        guard walPages >= Self.threshold,
            scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        NIOThreadPool.singleton.submit { [self] _ in
            defer { scheduled.store(false, ordering: .releasing) }
            // A failed checkpoint leaves the WAL to the next one (or to the last connection's
            // close, which checkpoints it all); the data is safe in the WAL either way.
            connection.withLock { handle in try? handle?.execute("PRAGMA wal_checkpoint(PASSIVE)", binds: []) { _ in } }
        }
    }

    /// Closes the connection, waiting for a checkpoint under way.
    func close() {
        connection.withLock { handle in
            handle?.close()
            handle = nil
        }
    }
}
