import Foundation
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

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

    /// A descriptor of the test process, even one not marked close-on-exec, never reaches a
    /// child: held there, another test's socket could not close, and a child under `ulimit -n`
    /// would find its few descriptors taken.
    @Test func aChildStartsWithOnlyItsStandardDescriptors() async throws {
        let file = open("/dev/null", O_RDONLY)  // no O_CLOEXEC
        let high = fcntl(file, F_DUPFD, 500)  // F_DUPFD leaves close-on-exec off as well
        defer { close(file); close(high) }
        #expect(high >= 500)
        // `ls` lists its own descriptors: 0, 1 and 2, and the one it reads the directory with.
        let finished = try await ChildProcess.run(URL(fileURLWithPath: "/bin/ls"), ["/proc/self/fd"])
        let descriptors = finished.output.split(separator: "\n").compactMap { Int($0) }
        #expect(descriptors.contains(0) && descriptors.contains(1) && descriptors.contains(2), "\(finished.output)")
        #expect(descriptors.allSatisfy { $0 < 4 }, "inherited: \(finished.output)")
    }
}
