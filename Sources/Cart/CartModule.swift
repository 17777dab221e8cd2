import Contracts
import Hummingbird
public import Platform
public import PlatformDatabase
public import PlatformEvents

/// Cart: one cart per user; prices and stock come from Catalog through `CatalogClient`.
public struct CartModule: BazaarModule {
    public static let name = "cart"
    let platform: PlatformContext
    let catalog: any CatalogClient

    public init(platform: PlatformContext, catalog: any CatalogClient) {
        self.platform = platform
        self.catalog = catalog
    }

    public var migrations: ModuleMigrations { CartMigrations.all }
    public var eventHandlers: [any EventHandler] { [CartCheckout(store: store)] }
    /// Cart for Ordering in this process.
    public var client: any CartClient { InProcessCartClient(store: store) }
    var store: CartStore { CartStore(database: platform.database, clock: platform.clock) }
    var service: CartService { CartService(store: store, catalog: catalog) }

    public func addRoutes(to groups: RouteGroups) {
        CartRoutes(service: service).add(to: groups.authenticated)
    }
}

struct InProcessCartClient: CartClient {
    let store: CartStore
    func lines(userID: String, bearerToken: String?) async throws -> [CartLine] { try await store.lines(userID: userID) }
}
