@testable import PlatformEvents
import Testing

/// Consumers pause before reading only while wake-ups come close together.
struct WakeCoalescingTests {
    @Test
    func onlyCloseWakeUpsPause() {
        var coalescing = WakeCoalescing()
        let start = ContinuousClock.now
        #expect(coalescing.pause(wokenAt: start) == .zero, "the first wake-up reads at once")
        #expect(coalescing.pause(wokenAt: start + .milliseconds(20)) == WakeCoalescing.pause)
        #expect(coalescing.pause(wokenAt: start + .milliseconds(60)) == WakeCoalescing.pause)
        #expect(coalescing.pause(wokenAt: start + .milliseconds(500)) == .zero, "after a quiet spell it reads at once again")
        #expect(coalescing.pause(wokenAt: start + .milliseconds(599)) == WakeCoalescing.pause)
        #expect(coalescing.pause(wokenAt: start + .milliseconds(700)) == .zero, "100 ms apart is not close")
    }
}
