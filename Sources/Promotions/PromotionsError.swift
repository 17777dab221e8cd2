import PlatformCore
import PlatformHTTP

/// What Promotions refuses, apart from HTTP; `problem` is its one mapping to HTTP.
enum PromotionsError: DomainError, Equatable {
    case invalid([FieldError])
    case promotionNotFound
    case alreadyClaimed
    case notStarted
    case expired

    var problem: Problem {
        switch self {
        case .invalid(let errors): Problem.validation(errors)
        case .promotionNotFound: Problem.notFound("Promotion")
        case .alreadyClaimed: Problem.conflict("This promotion was already claimed.")
        case .notStarted: Problem.conflict("This promotion cannot be claimed before it starts.")
        case .expired: Problem.conflict("This promotion has expired.")
        }
    }
}
