import Contracts
import Foundation
import Hummingbird
import Metrics
public import Platform
public import PlatformDatabase
public import PlatformEvents

/// Ordering: orders, their lines, the state machine and the order-processing saga.
public struct OrderingModule: BazaarModule {
    public static let name = "ordering"
    let platform: PlatformContext
    let service: OrderingService
    let scheduler: SchedulerService?

    /// `walletPayments`: whether a Promotions module (here or in another process) settles
    /// `paymentMethod: "wallet"` orders; without one such orders would wait forever, so they are refused.
    public init(
        platform: PlatformContext, catalog: any CatalogClient, cart: (any CartClient)?, scheduler: SchedulerService?, walletPayments: Bool
    ) {
        self.platform = platform
        self.scheduler = scheduler
        service = OrderingService(
            platform: platform, store: OrderStore(database: platform.database), catalog: catalog, cart: cart, walletPayments: walletPayments
        )
    }

    public var migrations: ModuleMigrations { OrderingMigrations.all }
    public var eventHandlers: [any EventHandler] { [OrderSaga(platform: platform), CustomerDirectory(platform: platform)] }
    public var jobHandlers: [any JobHandler] { [PurgeIdempotencyKeys(platform: platform)] }

    public func addRoutes(to groups: RouteGroups) {
        let routes = OrderingRoutes(service: service, store: service.store)
        routes.addAuthenticated(to: groups.authenticated)
        routes.addAdmin(to: groups.admin)
    }

    /// `bazaar_orders{status}`: every status, zero included, so a status that empties drops to
    /// 0 instead of vanishing from the dashboard.
    public func refreshGauges() async {
        guard let counts = try? await service.store.countByStatus() else { return }
        for status in OrderStatus.allCases {
            Gauge(label: "bazaar_orders", dimensions: [("status", status.rawValue)]).record(counts[status] ?? 0)
        }
    }

    public func prepare() async throws {
        try await scheduler?.schedule(
            name: PurgeIdempotencyKeys.kind, cron: try CronSchedule("17 3 * * *"), jobKind: PurgeIdempotencyKeys.kind,
            payload: [String: String]())
    }
}
