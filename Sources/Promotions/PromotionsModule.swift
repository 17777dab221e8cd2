import Contracts
import Hummingbird
public import Platform
public import PlatformDatabase
public import PlatformEvents

/// Promotions and the wallet (a balance ledger), including the wallet's step of the order saga.
public struct PromotionsModule: BazaarModule {
    public static let name = "promotions"
    let platform: PlatformContext
    let service: PromotionsService

    /// `currency` is the wallet's single currency.
    public init(platform: PlatformContext, currency: String) {
        self.platform = platform
        service = PromotionsService(platform: platform, wallet: Wallet(currency: currency, clock: platform.clock))
    }

    public var migrations: ModuleMigrations { PromotionsMigrations.all }
    public var eventHandlers: [any EventHandler] { [WalletPayments(wallet: service.wallet, events: platform.events), PromotionUsers()] }

    public func addRoutes(to groups: RouteGroups) {
        PromotionsRoutes(service: service).add(to: groups)
    }
}
