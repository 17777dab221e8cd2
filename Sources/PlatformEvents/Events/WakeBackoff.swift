/// After a wake-up that found nothing new, PostgreSQL may still be holding the new event back
/// (an older transaction in this database is open, so the event is not yet safe to read). Rather
/// than sleeping until the slow safety poll, recheck a few times with growing pauses.
struct WakeBackoff {
    private var remaining = 0
    /// 10 ms doubling to 5.12 s: about 10 s in all. Seven (1.3 s in all) were too few in a full
    /// test run on PostgreSQL, back when any database's open transactions held events back, and
    /// the event then waited for the slow poll.
    private static let rechecks = 10

    mutating func woke() { remaining = Self.rechecks }

    /// How long to wait before the next look: short right after a wake-up, else `poll`.
    mutating func nextWait(poll: Duration) -> Duration {
        guard remaining > 0 else { return poll }
        let step = Self.rechecks - remaining
        remaining -= 1
        return min(poll, .milliseconds(10 << step))  // 10, 20, 40 … 5120 ms
    }
}
