/// How many messages a realtime client may send that cost the server a token check: a burst,
/// then one per `interval`. Opening connections is rate limited per address; this bounds what
/// one open connection can make the server verify (stream renewals, Socket.IO CONNECT attempts).
struct MessageBudget: Sendable {
    let burst: Int
    let interval: Duration
    private var available: Int
    private var refilled = ContinuousClock.now

    init(burst: Int = 3, interval: Duration = .seconds(10)) {
        self.burst = burst
        self.interval = interval
        available = burst
    }

    /// Takes one message's worth; false when the client is sending faster than allowed.
    mutating func spend(now: ContinuousClock.Instant = .now) -> Bool {
        let earned = Int((now - refilled) / interval)
        if earned > 0 {
            available = min(burst, available + earned)
            refilled = refilled + interval * earned
        }
        guard available > 0 else { return false }
        available -= 1
        return true
    }
}
