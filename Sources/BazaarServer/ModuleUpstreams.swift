import Logging
import Platform
import ServiceLifecycle
import Upstreams

/// The modules this process reaches over HTTP (split mode), each with the processes serving it,
/// and the one client that calls them. Empty when every module needed is served here.
struct ModuleUpstreams {
    let client: UpstreamClient?
    private let upstreams: [ModuleName: Upstream]

    init(settings: BazaarSettings) {
        let served = settings.modules
        // The gateway routes to every module; Cart and Ordering call Catalog, Ordering calls Cart.
        var called: Set<ModuleName> = []
        if served.contains(.gateway) { called = Set(ModuleName.allCases) }
        if served.contains(.cart) || served.contains(.ordering) { called.insert(.catalog) }
        if served.contains(.ordering) { called.insert(.cart) }
        upstreams = Dictionary(
            uniqueKeysWithValues: called.subtracting(served).compactMap { module in
                guard let urls = settings.moduleURLs[module], !urls.isEmpty else { return nil }
                return (module, Upstream(name: module.rawValue, baseURLs: urls))
            })
        client = upstreams.isEmpty ? nil : UpstreamClient(timeout: .milliseconds(Int64((settings.gatewayTimeout * 1000).rounded())))
    }

    func upstream(_ module: ModuleName) -> Upstream? { upstreams[module] }

    /// A module's client over HTTP, when this process reaches that module over HTTP.
    func httpClient<Client>(for module: ModuleName, _ make: (Upstream, UpstreamClient) -> Client) -> Client? {
        guard let client, let upstream = upstreams[module] else { return nil }
        return make(upstream, client)
    }

    /// Health checks of every endpoint, and the client's shutdown with the process.
    func services(interval: Duration, logger: Logger) -> [any Service] {
        guard let client else { return [] }
        let checked = ModuleName.allCases.compactMap { upstreams[$0] }
        return [
            UpstreamHealthCheck(upstreams: checked, client: client, interval: interval, logger: logger),
            UpstreamClientService(client: client),
        ]
    }
}
