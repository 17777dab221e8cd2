import Contracts
import Foundation
import Gateway
import Platform
import PlatformEvents
import Upstreams

/// What a process serving the gateway adds: GraphQL over every module (through this process's
/// own router) and, for modules served elsewhere, the REST proxy with its product cache.
struct GatewayParts {
    let graphQL: GraphQLGateway
    let transport: InProcessTransport
    let proxy: GatewayProxyMiddleware?
    let cacheInvalidation: CacheInvalidation?
    let realtime: RealtimeProxy?

    init?(settings: BazaarSettings, platform: PlatformContext, upstreams: ModuleUpstreams) throws {
        guard settings.modules.contains(.gateway) else { return nil }
        transport = InProcessTransport()
        var limits = QueryLimits()
        limits.maxDepth = settings.graphQLDepthLimit
        limits.maxCost = settings.graphQLCostLimit
        graphQL = try GraphQLGateway(
            transport: transport, settings: .init(introspection: settings.graphQLIntrospection ?? false, limits: limits))
        let routes = ModuleName.allCases.filter { !settings.modules.contains($0) }.compactMap { module in
            upstreams.upstream(module).map { ProxyRoute(upstream: $0, pathPrefixes: module.publicPaths) }
        }
        let sessions = StickySessions()
        realtime = upstreams.upstream(.notifications).map {
            RealtimeProxy(
                upstream: $0, sessions: sessions, verifier: platform.verifier, trustForwardedFor: settings.trustForwardedFor,
                logger: platform.logger)
        }
        guard let client = upstreams.client, !routes.isEmpty else {
            proxy = nil
            cacheInvalidation = nil
            return
        }
        // Catalog's own process caches its answers; a gateway in front of another process keeps its own copy.
        let cache = upstreams.upstream(.catalog) != nil ? InvalidatedCache(name: "gateway", clock: platform.clock) : nil
        proxy = GatewayProxyMiddleware(routes: routes, client: client, productCache: cache, sessions: sessions)
        cacheInvalidation = cache.map {
            CacheInvalidation(cache: $0, log: platform.events, types: ProductEvents.types, logger: platform.logger)
        }
    }
}

extension ModuleName {
    /// The paths this module answers, for the gateway's routing. Platform routes (API keys,
    /// audit, events, dead letters, mail) are answered by every process, the gateway included.
    var publicPaths: [String] {
        switch self {
        case .identity: ["/api/v1/auth", "/api/v1/users", "/api/v1/admin/users", "/.well-known/jwks.json"]
        case .catalog: ["/api/v1/products"]
        case .cart: ["/api/v1/cart"]
        case .ordering: ["/api/v1/orders", "/api/v1/admin/orders"]
        case .promotions: ["/api/v1/promotions", "/api/v1/wallet", "/api/v1/admin/promotions"]
        case .notifications: ["/api/v1/notifications", "/api/v1/admin/notifications", "/api/v1/admin/campaigns", "/socket.io"]
        case .gateway: []
        }
    }
}
