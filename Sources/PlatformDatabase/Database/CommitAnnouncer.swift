import Foundation
import Synchronization

/// Tells other processes on the same PostgreSQL database what this one's commits did (the event
/// types appended, `ChangeSignal.jobs` for queued work), so that their consumers and workers wake.
///
/// Announcements are sent after the commit, by this process, one at a time: what commits while one
/// is on its way goes out together in the next, at most one per `spacing`. A NOTIFY inside the
/// writing transactions (an event log trigger did this before) takes a lock that PostgreSQL holds
/// from the commit until its WAL record is flushed, so that every transaction that appended events
/// committed one after another, each through an fsync of its own: no group commit, and a slow
/// fsync held all of them up in a queue.
final class CommitAnnouncer: Sendable {
    /// Names this process's announcements, so that its own listener can pass over them.
    let origin = UUID().uuidString
    private let spacing: Duration
    private let send: @Sendable (String) async throws -> Void
    private let state = Mutex<(pending: Set<String>, sending: Bool)>(([], false))

    /// `send` delivers a payload (the NOTIFY); a failure is dropped, as listeners also poll.
    init(spacing: Duration = .milliseconds(25), send: @escaping @Sendable (String) async throws -> Void) {
        self.spacing = spacing
        self.send = send
    }

    /// Announces `topics` soon; returns at once.
    func announce(_ topics: Set<String>) {
        let start = state.withLock { state -> Bool in
            state.pending.formUnion(topics)
            if state.sending { return false }
            state.sending = true
            return true
        }
        if start { Task { await sendPending() } }
    }

    private func sendPending() async {
        while true {
            let topics = state.withLock { state -> Set<String>? in
                if state.pending.isEmpty {
                    state.sending = false
                    return nil
                }
                defer { state.pending = [] }
                return state.pending
            }
            guard let topics else { return }
            try? await send(Self.payload(origin: origin, topics: topics))
            await LoopTimer.sleep(for: spacing)
        }
    }

    /// `origin|topic,topic`, the topics sorted.
    static func payload(origin: String, topics: Set<String>) -> String {
        origin + "|" + topics.sorted().joined(separator: ",")
    }

    /// The topics of a payload from another process; nil for one of `origin`'s own. A payload
    /// without an origin is taken as a list of topics.
    static func topics(in payload: String, unlessFrom origin: String) -> Set<String>? {
        let parts = payload.split(separator: "|", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, parts[0] == origin { return nil }
        return Set((parts.last ?? "").split(separator: ",").map(String.init))
    }
}
