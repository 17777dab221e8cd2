import PlatformCore
import PlatformHTTP

/// What Ordering refuses, apart from HTTP: the service throws these, the saga decides on them,
/// and `problem` (Ordering's one mapping to HTTP) says how the API answers each.
enum OrderingError: DomainError, Equatable {
    /// Fields of the request that cannot make an order (unknown products, mixed currencies…).
    case invalid([FieldError])
    case orderNotFound
    case cannotMove(from: OrderStatus, to: OrderStatus)
    /// Another change to the order committed between reading and moving it.
    case changedMeanwhile
    case idempotencyKeyReused
    case cartUnreachable

    var problem: Problem {
        switch self {
        case .invalid(let errors): Problem.validation(errors)
        case .orderNotFound: Problem.notFound("Order")
        case .cannotMove(let current, let next): Problem.conflict("An order that is \(current.rawValue) cannot become \(next.rawValue).")
        case .changedMeanwhile: Problem.conflict("The order changed meanwhile; try again.")
        case .idempotencyKeyReused:
            Problem(
                .unprocessableContent, title: "Idempotency key reused",
                detail: "This Idempotency-Key was already used with a different request.")
        case .cartUnreachable: Problem(.serviceUnavailable, detail: "The cart service is not reachable from this process.")
        }
    }
}
