import Platform

/// What Catalog refuses, apart from HTTP; `problem` is its one mapping to HTTP.
enum CatalogError: DomainError, Equatable {
    case productNotFound
    case skuTaken(String)

    var problem: Problem {
        switch self {
        case .productNotFound: Problem.notFound("Product")
        case .skuTaken(let sku): Problem.conflict("A product with SKU \(sku) already exists.")
        }
    }
}
