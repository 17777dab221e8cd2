import PlatformDatabase
import ServiceLifecycle
import Synchronization

/// Opens once migrations and module preparation are done; background services wait for it so
/// they never touch a table that does not exist yet.
final class StartupGate: Sendable {
    private let signal = ChangeSignal()
    private let state = Mutex<Bool>(false)

    var isOpen: Bool { state.withLock { $0 } }

    func open() {
        state.withLock { $0 = true }
        signal.signal()
    }

    func wait() async {
        while !isOpen && !Task.isCancelled {
            await signal.wait(after: signal.generation, timeout: .milliseconds(100))
        }
    }
}

/// Runs `service` once the gate is open. A service that has nothing to do (a consumer service
/// with no handlers) returns early; this wrapper then waits for shutdown, because a service
/// group ends the whole process when any of its services returns.
struct GatedService: Service {
    let gate: StartupGate
    let service: any Service

    func run() async throws {
        await cancelWhenGracefulShutdown { await gate.wait() }
        if gate.isOpen, !Task.isShuttingDownGracefully {
            try await service.run()
        }
        try? await gracefulShutdown()
    }
}
