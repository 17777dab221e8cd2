import Foundation
import Testing
import TestSupport

/// The helper that runs a command to its end for other tests: it must hand back everything the
/// command printed with its status, and must not wait forever on one that never stops.
@Suite("Child processes")
struct ChildProcessTests {
    private let shell = URL(fileURLWithPath: "/bin/sh")

    @Test func returnsTheStatusAndAllThatWasPrintedOnEitherStream() async throws {
        // More than a pipe holds (64 KiB), so a reader that stopped early would lose the end.
        let script = "head -c 200000 /dev/zero | tr '\\0' x; echo; echo to-stderr >&2; exit 3"
        let finished = try await ChildProcess.run(shell, ["-c", script])
        #expect(finished.status == 3)
        #expect(finished.output.utf8.count == 200_000 + 1 + "to-stderr\n".utf8.count)
        #expect(finished.output.hasSuffix("to-stderr\n"))
    }

    @Test func aCommandStillRunningAtItsDeadlineIsKilledAndTheWaitFails() async throws {
        // Unkilled, the command would end by itself after a minute and the wait would succeed.
        await #expect(throws: TimedOut.self) {
            _ = try await ChildProcess.run(shell, ["-c", "echo waiting; exec sleep 60"], timeout: .milliseconds(300))
        }
    }
}
