@testable import PlatformEvents
import Testing

/// Consumers pause before reading only while wake-ups come close together, and then until an
/// instant shared by every consumer of the process.
struct WakeCoalescingTests {
    @Test
    func onlyCloseWakeUpsPause() {
        var coalescing = WakeCoalescing()
        let start = ContinuousClock.now
        #expect(coalescing.pause(wokenAt: start) == .zero, "the first wake-up reads at once")
        #expect(paused(coalescing.pause(wokenAt: start + .milliseconds(20))))
        #expect(paused(coalescing.pause(wokenAt: start + .milliseconds(60))))
        #expect(coalescing.pause(wokenAt: start + .milliseconds(500)) == .zero, "after a quiet spell it reads at once again")
        #expect(paused(coalescing.pause(wokenAt: start + .milliseconds(599))))
        #expect(coalescing.pause(wokenAt: start + .milliseconds(700)) == .zero, "100 ms apart is not close")
    }

    @Test
    func consumersWokenAtDifferentMomentsReadAtTheSameInstant() {
        var first = WakeCoalescing()
        var second = WakeCoalescing()
        let start = ContinuousClock.now
        _ = first.pause(wokenAt: start)
        _ = second.pause(wokenAt: start)
        // Woken 3 ms apart, both busy: their pauses end on the same instant of the grid.
        let woken = start + .milliseconds(40)
        let firstReads = woken + first.pause(wokenAt: woken)
        let secondReads = woken + .milliseconds(3) + second.pause(wokenAt: woken + .milliseconds(3))
        let apart = firstReads - secondReads
        // Equal, or (when the 3 ms straddle a boundary of the grid) one whole pause apart.
        #expect(apart == .zero || abs(apart.milliseconds) == 25, "\(apart)")
    }

    /// A pause of half to one and a half `WakeCoalescing.pause`.
    private func paused(_ pause: Duration) -> Bool {
        pause >= WakeCoalescing.pause / 2 && pause < WakeCoalescing.pause * 3 / 2
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
