import Contracts
import HummingbirdBcrypt
import NIOPosix
import Platform
import Synchronization

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
        _ = try await verify(password, hash: try await dummyHash())
    }

    /// A real hash at this cost, made once per process, so the dummy check does the same work.
    private func dummyHash() async throws -> String {
        if let cached = Self.dummyHashes.withLock({ $0[cost] }) { return cached }
        let made = try await hash(Secrets.randomToken())
        return Self.dummyHashes.withLock { hashes in
            if let existing = hashes[cost] { return existing }
            hashes[cost] = made
            return made
        }
    }

    private static let dummyHashes = Mutex<[UInt8: String]>([:])
}
