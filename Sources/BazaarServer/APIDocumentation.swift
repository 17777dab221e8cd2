import Hummingbird
import Platform

enum APIDocumentation {
    static func addRoutes(to router: Router<BazaarRequestContext>) {}
}
