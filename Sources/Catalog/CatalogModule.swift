import Contracts
import Foundation
public import Hummingbird
public import Platform

/// Catalog: products, prices, stock and stock reservations.
public struct CatalogModule: BazaarModule {
    public static let name = "catalog"
    let platform: PlatformContext
    let store: ProductStore
    let service: CatalogService

    public init(platform: PlatformContext) {
        self.platform = platform
        store = ProductStore(database: platform.database)
        service = CatalogService(platform: platform, store: store)
    }

    public var migrations: ModuleMigrations { CatalogMigrations.all }
    public var eventHandlers: [any EventHandler] { [StockReservations(platform: platform)] }

    /// For modules in the same process (Cart); split processes use the HTTP client instead.
    public var client: any CatalogClient { InProcessCatalogClient(store: store) }

    public func addRoutes(to groups: RouteGroups) {
        let routes = CatalogRoutes(service: service, store: store)
        routes.addPublic(to: groups.api)
        routes.addAdmin(to: groups.adminAPI)
    }
}
