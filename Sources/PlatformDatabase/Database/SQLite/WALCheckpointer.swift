import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import SQLiteNIO
import Synchronization

/// Checkpoints the WAL from a connection of its own, on a dispatch queue of its own, and keeps
/// the WAL file from growing without bound. Not NIO's blocking pool: a checkpoint behind a burst
/// of bcrypt hashes there let the WAL grow unchecked.
///
/// Every `Limits.passiveInterval` pages a PASSIVE checkpoint copies the WAL's frames into the
/// database file beside the writes. Once the WAL is `Limits.restartLength` pages long, the write
/// transactions pause for a RESTART checkpoint, which copies what the last PASSIVE pass left and
/// lets the next commit write from the start of the file again.
///
/// The restart waits for the pass before it, and that pass for the disk; on a machine whose disk
/// is busy elsewhere the writes could outrun it (a loaded test run saw 6,000 pages against a
/// restart length of 200). At twice the restart length the writes therefore pause for a restart
/// whatever the passes have done: the serial queue runs it once the pass under way is over.
///
/// Why not SQLite's automatic checkpoint: it runs inside the COMMIT that crossed its threshold,
/// on one of the two cooperative threads, through an fsync (12% of a profile's samples, with the
/// CPU sitting idle). Why not PASSIVE checkpoints alone: the WAL only restarts when a checkpoint
/// has copied every frame before the next write begins, which never happens while writes go on;
/// under a steady order load the WAL grew by 180 MB a second.
///
/// RESTART takes SQLite's writer lock and waits for readers of the old frames to finish; its busy
/// handler sleeps on the queue's thread, never on a cooperative one. Durability is the same as
/// SQLite's own: with `synchronous=NORMAL` a checkpoint is where the WAL is synced.
final class WALCheckpointer: Sendable {
    struct Limits: Sendable {
        /// 16 MiB of WAL between PASSIVE passes: pages rewritten by many commits (the tails of
        /// the event log and its indexes) are copied once per pass, and each pass syncs the WAL.
        /// Under the order load, 4000 used 3–8% less CPU per order than SQLite's default of 1000.
        var passiveInterval = 4000
        /// The WAL file stays under about 64 MiB. Each restart pauses the writes; before the pass
        /// ahead of it wrote the database file back, that pause grew from 5 ms to 20–38 ms as
        /// the file reached 100 MB. At a quarter of this length restarts came four times as
        /// often, for no gain.
        var restartLength = 16000
    }

    private let connection: Mutex<SQLiteHandle?>
    /// The database file, to write back what the PASSIVE passes copied into it.
    private let databaseFile: FileDescriptor?
    private let queue = DispatchQueue(label: "bazaar.sqlite.checkpoint")
    private struct State {
        /// The WAL's length in pages after the last commit.
        var pages = 0
        /// The length at which the next PASSIVE pass starts.
        var passiveAt: Int
        var copying = false
        /// A PASSIVE pass that started at `restartLength` is done: restart next.
        var restartDue = false
        /// The length at which the writes pause for a restart without waiting for a pass.
        var forcedAt: Int
        var restarts = 0
    }
    private let state: Mutex<State>
    private let limits: Limits

    init(connection: SQLiteHandle, databasePath: String, limits: Limits) {
        self.connection = Mutex(connection)
        databaseFile = FileDescriptor(readingFrom: databasePath)
        self.limits = limits
        state = Mutex(State(passiveAt: limits.passiveInterval, forcedAt: 2 * limits.restartLength))
    }

    /// Called by the write connection after each commit with the WAL's length in pages; starts a
    /// PASSIVE pass when one is due. Returns at once.
    func committed(walPages pages: Int) {
        let start = state.withLock { state -> Bool in
            // Shorter than after the last commit: SQLite restarted the WAL itself (a write found
            // every frame copied and no reader in the WAL, as happens between bursts), so the
            // passes count from the start again.
            if pages < state.pages, !state.restartDue {
                state.passiveAt = limits.passiveInterval
                state.forcedAt = 2 * limits.restartLength
            }
            state.pages = pages
            guard pages >= state.passiveAt, !state.copying, !state.restartDue else { return false }
            state.copying = true
            return true
        }
        guard start else { return }
        queue.async { [self, limits] in
            _ = try? run("PRAGMA wal_checkpoint(PASSIVE)")
            // SQLite syncs the database file only after a pass that copied every frame, which a
            // pass beside the writes never does: the restart then wrote back everything the
            // passes had copied since the last one (20–38 ms of writes paused once the file was
            // 100 MB). The pass before the restart writes it back beside the writes, leaving the
            // restart only its own pages. (After every pass: a page copied by several passes was
            // written back several times, 13% more CPU per order.)
            if pages >= limits.restartLength, let databaseFile { _ = fdatasync(databaseFile.descriptor) }
            state.withLock { state in
                state.copying = false
                let restartedMeanwhile = state.pages < pages
                state.passiveAt = restartedMeanwhile ? limits.passiveInterval : pages + limits.passiveInterval
                state.restartDue = !restartedMeanwhile && pages >= limits.restartLength
            }
        }
    }

    /// The WAL length at which the next PASSIVE pass starts (for tests).
    var nextPassive: Int { state.withLock { $0.passiveAt } }
    /// How many times `restart()` restarted the WAL (for tests).
    var restarts: Int { state.withLock { $0.restarts } }

    /// Whether the write transactions should pause for `restart()`.
    var isDue: Bool { state.withLock { $0.restartDue || $0.pages >= $0.forcedAt } }

    /// Copies what the last PASSIVE pass left and restarts the WAL. The caller keeps the write
    /// connection idle until this returns: a write meanwhile would wait in SQLite's busy handler.
    func restart() async {
        let restarted = await withCheckedContinuation { continuation in
            queue.async { [self] in continuation.resume(returning: (try? run("PRAGMA wal_checkpoint(RESTART)")) ?? false) }
        }
        state.withLock { state in
            state.restartDue = false
            // Not restarted (a reader outlived the busy timeout): the WAL goes on growing, and
            // the next PASSIVE pass tries again; a forced restart waits for another restart
            // length rather than stalling every group behind that reader.
            if restarted {
                state.restarts += 1
                state.pages = 0
                state.passiveAt = limits.passiveInterval
                state.forcedAt = 2 * limits.restartLength
            } else {
                state.passiveAt = state.pages + limits.passiveInterval
                state.forcedAt = state.pages + limits.restartLength
            }
        }
    }

    /// Runs a checkpoint; true when it copied every frame (and, for RESTART, restarted the WAL).
    /// A failed checkpoint leaves the WAL to the next one (or to the last connection's close,
    /// which checkpoints it all); the data is safe in the WAL either way.
    private func run(_ checkpoint: String) throws -> Bool {
        try connection.withLock { handle in
            var busy = true
            // One row: busy (0 once every frame is copied), log, checkpointed.
            try handle?.execute(checkpoint, binds: []) { row in busy = row.values.first != .integer(0) }
            return !busy
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

/// An open file, closed when this goes away.
private final class FileDescriptor: Sendable {
    let descriptor: Int32

    init?(readingFrom path: String) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
