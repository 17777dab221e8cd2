import Contracts
import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix
import PlatformAuth
import Synchronization

/// bcrypt on the NIO thread pool, never on an event loop.
struct PasswordHasher: Sendable {
    let cost: UInt8

    func hash(_ password: String) async throws -> String {
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(input, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        let input = Self.bcryptInput(password)
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(input, hash: hash) }
    }

    /// bcrypt reads at most 72 bytes and ignores the rest. A longer password (a passphrase, or a
    /// few words in a script that takes 3–4 bytes a character) is first reduced to its SHA-256,
    /// so every character counts; a password of 72 bytes or fewer goes in as it is, so hashes
    /// made before this rule still verify. The choice depends only on the password, so hashing
    /// and verifying always agree.
    static func bcryptInput(_ password: String) -> String {
        guard password.utf8.count > 72 else { return password }
        return "sha256:" + Data(SHA256.hash(data: Data(password.utf8))).base64EncodedString()
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
