import Contracts
import Foundation
import Hummingbird
public import Platform
public import PlatformDatabase
public import PlatformEvents
public import ServiceLifecycle

/// Catalog: products, prices, stock and stock reservations.
public struct CatalogModule: BazaarModule {
    public static let name = "catalog"
    let platform: PlatformContext
    let store: ProductStore
    let service: CatalogService
    let cache: InvalidatedCache
    /// Names and prices for placing orders (see `InProcessCatalogClient`).
    let offers: InvalidatedCache
    let imageLimit: Int

    /// `imageLimit`: the largest product image an admin may upload, in bytes.
    public init(platform: PlatformContext, imageLimit: Int = 5 * 1024 * 1024) {
        self.platform = platform
        self.imageLimit = imageLimit
        store = ProductStore(database: platform.database)
        service = CatalogService(platform: platform, store: store)
        cache = InvalidatedCache(name: "products", clock: platform.clock)
        offers = InvalidatedCache(name: "product-offers", clock: platform.clock)
    }

    public var migrations: ModuleMigrations { CatalogMigrations.all }
    public var eventHandlers: [any EventHandler] { [StockReservations(platform: platform, cache: cache)] }
    public var services: [any Service] {
        [
            CacheInvalidation(cache: cache, log: platform.events, types: ProductEvents.types, logger: platform.logger),
            CacheInvalidation(cache: offers, log: platform.events, types: ProductEvents.changes, logger: platform.logger),
        ]
    }

    /// For modules in the same process (Cart); split processes use the HTTP client instead.
    public var client: any CatalogClient { InProcessCatalogClient(store: store, offers: offers) }

    public func addRoutes(to groups: RouteGroups) {
        let routes = CatalogRoutes(service: service, store: store, cache: cache, offers: offers, imageLimit: imageLimit)
        routes.addPublic(to: groups.api)
        routes.addAdmin(to: groups.adminAPI)
    }
}
