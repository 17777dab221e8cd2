import Contracts
import Crypto
import Foundation
import Platform

/// Opaque random tokens (refresh tokens, reset tokens, generated passwords) and the hashes we
/// store instead of them.
enum Secrets {
    static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }).base64URLEncodedString()
    }

    static func sha256(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
