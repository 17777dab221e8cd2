public import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` and watched by two threads of its own: one reads
/// what it prints to end of file, one waits for its exit and reaps it. Every process the tests
/// start goes through here.
///
/// Nothing of Foundation's `Process` is involved. Its asynchronous side (`readabilityHandler`,
/// `terminationHandler`, and the run-loop source that `isRunning` and `waitUntilExit` depend on)
/// keeps libdispatch and CFSocket sources by descriptor number, and with tests starting children
/// in parallel those numbers are reused at once: a helper built on those handlers hung the suite
/// with its children exited and reaped and neither handler ever run. Nor does a thread of the
/// cooperative pool (two threads here) wait on a child.
public final class SpawnedChild: Sendable {
    public let pid: pid_t
    private let state = Mutex(State())
    private static let launching = Mutex(())

    private struct State {
        var status: Int32?
        var outputEnded = false
        var waiters: [(needsOutput: Bool, continuation: CheckedContinuation<Int32, Never>)] = []

        /// Waiters whose wait is over, removed from the list.
        mutating func satisfiedWaiters() -> [CheckedContinuation<Int32, Never>] {
            guard status != nil else { return [] }
            let done = waiters.filter { !$0.needsOutput || outputEnded }
            waiters.removeAll { !$0.needsOutput || outputEnded }
            return done.map(\.continuation)
        }
    }

    public struct LaunchFailed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `path` with exactly `environment`. Its stdin is `input` (a file; /dev/null by
    /// default); what it writes to stdout, and to stderr unless `keepStandardError` is false,
    /// goes to `onOutput` in the order written, from the reading thread.
    public init(
        _ path: String, arguments: [String], environment: [String: String], input: String = "/dev/null",
        keepStandardError: Bool = true, onOutput: @escaping @Sendable ([UInt8]) -> Void
    ) throws {
        // One launch at a time: a pipe made for one child must not reach another child
        // spawned between its creation and its close-on-exec flag.
        let (pid, output) = try Self.launching.withLock { _ in
            try Self.spawn(path, arguments: arguments, environment: environment, input: input, keepStandardError: keepStandardError)
        }
        self.pid = pid
        Thread { [self] in readToEnd(output, onOutput) }.start()
        Thread { [self] in reapOnExit() }.start()
    }

    /// Whether the child's exit has not been seen yet.
    public var isRunning: Bool { state.withLock { $0.status == nil } }

    /// The exit status (128 + the signal for a child a signal ended, as a shell reports it), once
    /// it exited.
    public var exitStatus: Int32? { state.withLock { $0.status } }

    /// Sends `signal` unless the child was reaped (its pid may then be another process's).
    /// Returns whether it was sent.
    @discardableResult
    public func signal(_ signal: Int32) -> Bool {
        state.withLock { state in
            guard state.status == nil else { return false }
            return kill(pid, signal) == 0
        }
    }

    /// The exit status, once the child exited and, with `output`, once everything it printed
    /// has been handed to `onOutput`.
    public func exit(includingOutput output: Bool = false) async -> Int32 {
        await withCheckedContinuation { continuation in
            let ready: Int32? = state.withLock { state in
                if let status = state.status, !output || state.outputEnded { return status }
                state.waiters.append((output, continuation))
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Blocks the calling thread until the child exited, or `limit` passed; whether it exited.
    /// For `deinit` and other places that cannot wait asynchronously, where the child is being
    /// stopped and goes within moments.
    @discardableResult
    public func waitUntilExitBlocking(for limit: Duration = .seconds(3600)) -> Bool {
        let deadline = ContinuousClock.now + limit
        while isRunning, ContinuousClock.now < deadline { usleep(5_000) }
        return !isRunning
    }

    private func readToEnd(_ descriptor: Int32, _ onOutput: @Sendable ([UInt8]) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                onOutput(Array(buffer[..<count]))
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(descriptor)
        finish { $0.outputEnded = true }
    }

    /// Waits for the exit without reaping, then reaps under the lock `signal` takes: until the
    /// child is reaped its pid cannot be reused, so `signal` never reaches another process.
    private func reapOnExit() {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1, errno == EINTR {}
        finish { state in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1, errno == EINTR {}
            let signal = status & 0x7f
            state.status = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        }
    }

    private func finish(_ change: (inout State) -> Void) {
        let (done, status): ([CheckedContinuation<Int32, Never>], Int32?) = state.withLock { state in
            change(&state)
            return (state.satisfiedWaiters(), state.status)
        }
        if let status { for waiter in done { waiter.resume(returning: status) } }
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), looked up at run
    /// time: Swift's Glibc module leaves out that GNU extension.
    private static func addCloseFrom() -> (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }

    private static func spawn(
        _ path: String, arguments: [String], environment: [String: String], input: String, keepStandardError: Bool
    ) throws -> (pid: pid_t, output: Int32) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw LaunchFailed(description: "pipe: \(String(cString: strerror(errno)))") }
        // Neither end may reach another child; this one gets the write end as its 1 (and 2).
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        defer { close(ends[1]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        if keepStandardError {
            posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // Nothing else of this process reaches the child (as `Process` did): a socket or pipe of
        // another test held open by a child would keep its peer from seeing it close, and a
        // child started under `ulimit -n` would find its few descriptors taken.
        guard let closeFrom = addCloseFrom() else {
            throw LaunchFailed(description: "posix_spawn_file_actions_addclosefrom_np is missing (glibc 2.34 or later is needed)")
        }
        closeFrom(&actions, 3)

        // Threads here may block SIGTERM and SIGINT (signal handling through signalfd needs
        // that), and a child inherits the mask: a shell script could then never run its
        // clean-up traps. The child starts with nothing blocked and the default actions.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own, as Foundation's `Process` gave each child: scripts that
        // signal their own group reach only themselves and what they started.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid = pid_t()
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(ends[0])
            throw LaunchFailed(description: "\(path): \(String(cString: strerror(result)))")
        }
        return (pid, ends[0])
    }
}
