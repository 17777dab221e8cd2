public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes one at a time (`ChildProcess` launches under the same lock). swift-corelibs-foundation's `Process.run()` crashed
/// here when tests started peers concurrently (a memcpy inside `run`); one lock around every
/// launch in the test process avoids it.
///
/// A child inherits the signal mask of the thread that spawns it, and threads of this process
/// may have SIGTERM and SIGINT blocked (signal handling through signalfd needs that). A shell
/// script cannot unblock them and would never run its clean-up traps, so the launching thread
/// unblocks them for the spawn.
public enum ProcessLaunch {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        try serialized {
            var termination = sigset_t()
            sigemptyset(&termination)
            sigaddset(&termination, SIGTERM)
            sigaddset(&termination, SIGINT)
            var previous = sigset_t()
            pthread_sigmask(SIG_UNBLOCK, &termination, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            try process.run()
        }
    }

    /// Runs `body` while no other child is being launched by this process, so that descriptors
    /// made for one child's launch are never inherited by another's.
    static func serialized<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
