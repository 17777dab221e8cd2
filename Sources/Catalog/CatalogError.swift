import PlatformHTTP

/// What Catalog refuses, apart from HTTP; `problem` is its one mapping to HTTP.
enum CatalogError: DomainError, Equatable {
    case productNotFound
    case skuTaken(String)
    case noImage
    /// Not a PNG, JPEG or WebP image.
    case unsupportedImage
    case imageTooLarge(limit: Int)

    var problem: Problem {
        switch self {
        case .productNotFound: Problem.notFound("Product")
        case .skuTaken(let sku): Problem.conflict("A product with SKU \(sku) already exists.")
        case .noImage: Problem.notFound("Product image")
        case .unsupportedImage: Problem(.unsupportedMediaType, detail: "The image must be a PNG, JPEG or WebP file.")
        case .imageTooLarge(let limit): Problem(.contentTooLarge, detail: "The image is larger than \(limit) bytes.")
        }
    }
}
