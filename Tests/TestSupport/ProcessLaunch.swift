public import Foundation

/// Starts child processes one at a time. swift-corelibs-foundation's `Process.run()` crashed
/// here when tests started peers concurrently (a memcpy inside `run`); one lock around every
/// launch in the test process avoids it.
public enum ProcessLaunch {
    private static let lock = NSLock()

    public static func run(_ process: Process) throws {
        lock.lock()
        defer { lock.unlock() }
        try process.run()
    }
}
