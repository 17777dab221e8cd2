import AsyncHTTPClient
import Logging
import NIOCore
public import ServiceLifecycle

/// Asks every endpoint of every upstream for `/health/ready` once per `interval`: one that fails
/// (or that a call could not reach) takes no calls until it passes again.
public struct UpstreamHealthCheck: Service {
    let upstreams: [Upstream]
    let client: UpstreamClient
    let interval: Duration
    let logger: Logger

    public init(upstreams: [Upstream], client: UpstreamClient, interval: Duration, logger: Logger) {
        self.upstreams = upstreams
        self.client = client
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await withDiscardingTaskGroup { group in
                    for upstream in upstreams {
                        for endpoint in upstream.endpoints {
                            group.addTask { await check(endpoint, of: upstream) }
                        }
                    }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func check(_ endpoint: UpstreamEndpoint, of upstream: Upstream) async {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/health/ready")
        request.method = .GET
        let passed: Bool
        do {
            let response = try await client.http.execute(request, timeout: TimeAmount(min(interval, .seconds(2))))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            passed = response.status == .ok
        } catch {
            passed = false
        }
        guard endpoint.mark(healthy: passed) else { return }
        if passed {
            logger.info("upstream endpoint is back", metadata: ["module": "\(upstream.name)", "endpoint": "\(endpoint)"])
        } else {
            logger.warning(
                "upstream endpoint failed its health check", metadata: ["module": "\(upstream.name)", "endpoint": "\(endpoint)"])
        }
    }
}
