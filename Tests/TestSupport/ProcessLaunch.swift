public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes one at a time. swift-corelibs-foundation's `Process.run()` crashed
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
        lock.lock()
        defer { lock.unlock() }
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
