import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

extension BazaarCommand {
    /// A readiness probe for places without curl (the container image's HEALTHCHECK, compose's
    /// `service_healthy`): asks this machine's Bazaar on the configured port.
    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Exit 0 when the Bazaar on this machine answers /health/ready, else 1.")
        @OptionGroup var options: CommonOptions
        @Option(help: "Seconds to wait for the answer.") var timeout: Double = 5

        func run() async throws {
            let settings = try await options.settings()
            // A server listening on every address is reached on loopback.
            let host = ["0.0.0.0", "::", "[::]"].contains(settings.host) ? "127.0.0.1" : settings.host
            guard let url = URL(string: "http://\(host):\(settings.port)/health/ready") else {
                throw ValidationError("no URL for host \(host)")
            }
            var request = URLRequest(url: url)
            request.timeoutInterval = timeout
            let status: Int
            do {
                status = ((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode ?? 0
            } catch {
                print("not ready: \(url) did not answer (\(error.localizedDescription))")
                throw ExitCode.failure
            }
            guard status == 200 else {
                print("not ready: \(url) answered \(status)")
                throw ExitCode.failure
            }
            print("ready")
        }
    }
}
