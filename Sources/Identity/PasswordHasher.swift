import Contracts
import HummingbirdBcrypt
import NIOPosix

/// bcrypt on the NIO thread pool, never on an event loop.
struct PasswordHasher: Sendable {
    let cost: UInt8

    func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Spends the same time as a real check when there is no account, so response timing does
    /// not tell whether an email is registered.
    func verifyAgainstDummy(_ password: String) async throws {
        _ = try await verify(password, hash: dummyHash)
    }

    private var dummyHash: String { "$2b$\(cost < 10 ? "0" : "")\(cost)$CwTycUXWue0Thq9StjUM0uJ8.HVhTyNSYGJ.VUhqYOVnQrLAq8c0K" }
}
