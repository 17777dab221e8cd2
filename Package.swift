// swift-tools-version: 6.2
import PackageDescription

/// Strict settings for every target: Swift 6 language mode is the tools default; `any` is required
/// on existentials so that dynamic dispatch is always visible at the use site.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "bazaar",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bazaar", targets: ["bazaar"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Already in the graph through Hummingbird and PostgresNIO; named for the SMTP client.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/GraphQLSwift/GraphQL.git", from: "4.3.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // The platform every module stands on, one target per seam; `Platform` itself is the
        // module contract (BazaarModule, PlatformContext, RouteGroups) over all of them.
        .target(name: "PlatformCore", swiftSettings: strictSettings),
        // A C call Swift cannot make (a variadic SQLite function), against SQLiteNIO's bundled SQLite.
        .target(name: "SQLiteShims", dependencies: [.product(name: "SQLiteKit", package: "sqlite-kit")]),
        .target(
            name: "PlatformDatabase",
            dependencies: [
                "PlatformCore",
                "SQLiteShims",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlatformHTTP",
            dependencies: [
                "PlatformCore",
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlatformEvents",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlatformAuth",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlatformMail",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformEvents",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Platform",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "PlatformAuth", "PlatformMail",
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "PlatformObservability",
            dependencies: [
                "Platform",
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        // Calls to other Bazaar processes (split mode): one pooled HTTP client, balancing and
        // failover across the processes serving a module.
        .target(
            name: "Upstreams",
            dependencies: [
                "PlatformHTTP",
                "Platform",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // Pages for browsers, their scripts and styles embedded in the binary (no CDN, no files beside it).
        .target(
            name: "WebFront",
            dependencies: [
                "PlatformCore", "PlatformHTTP", "PlatformAuth",
                "Platform",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("Assets/admin.html"),
                .embedInCode("Assets/admin.js"),
                .embedInCode("Assets/api-reference.html"),
                .embedInCode("Assets/api-reference.js"),
                .embedInCode("Assets/graphql-explorer.html"),
                .embedInCode("Assets/graphql-explorer.js"),
                .embedInCode("Assets/live.js"),
                .embedInCode("Assets/session.js"),
                .embedInCode("Assets/shop.css"),
                .embedInCode("Assets/store.html"),
                .embedInCode("Assets/store.js"),
                .embedInCode("Assets/bazaar.css"),
                .embedInCode("Assets/dom.js"),
                .embedInCode("Assets/favicon.svg"),
                .embedInCode("Assets/realtime.html"),
                .embedInCode("Assets/realtime.js"),
            ],
            swiftSettings: strictSettings
        ),
        // Kafka through librdkafka, opened at run time (see LibRdKafka.swift): no build-time
        // dependency, so only a process given Kafka brokers needs the library installed.
        .target(
            name: "Kafka",
            swiftSettings: strictSettings
        ),
        .target(
            name: "KafkaEvents",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformEvents", "PlatformObservability", "Platform", "Kafka",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Gateway",
            dependencies: [
                "PlatformCore", "PlatformHTTP", "PlatformEvents", "PlatformAuth",
                "Platform",
                "Upstreams",
                "WebFront",
                .product(name: "GraphQL", package: "GraphQL"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Identity",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "PlatformAuth", "PlatformMail", "Platform",
                "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Contracts",
            dependencies: [
                "PlatformCore", "PlatformHTTP", "PlatformEvents", "Platform",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Catalog",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "Platform", "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Cart",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "Platform", "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Promotions",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "Platform", "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Notifications",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "PlatformAuth", "PlatformMail", "Platform",
                "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Ordering",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "Platform", "Contracts",
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "BazaarServer",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "PlatformAuth", "PlatformMail",
                "PlatformObservability",
                "Platform", "Contracts", "Identity", "Catalog", "Cart", "Ordering", "Promotions", "Notifications", "Gateway", "Upstreams",
                "WebFront", "KafkaEvents",
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "bazaar",
            dependencies: [
                "PlatformDatabase", "PlatformObservability",
                "BazaarServer",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformEvents", "PlatformMail",
                "BazaarServer",
                "Platform",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "TestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PlatformTests",
            dependencies: [
                "PlatformCore", "PlatformDatabase", "PlatformHTTP", "PlatformEvents", "PlatformAuth", "PlatformMail",
                "PlatformObservability",
                "Platform",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IdentityTests",
            dependencies: [
                "PlatformDatabase", "PlatformAuth", "Platform",
                "BazaarServer",
                "Identity",
                "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CatalogTests",
            dependencies: [
                "PlatformCore", "PlatformEvents",
                "Catalog",
                "Contracts",
                "Platform",
                "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CartTests",
            dependencies: [
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OrderingTests",
            dependencies: [
                "PlatformCore", "PlatformEvents",
                "Contracts", "Ordering",
                "Platform",
                "TestSupport",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PromotionsTests",
            dependencies: [
                "TestSupport", "Contracts", "PlatformCore", "PlatformEvents",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NotificationsTests",
            dependencies: [
                "PlatformDatabase", "PlatformEvents", "PlatformMail",
                "BazaarServer",
                "Contracts",
                "Notifications",
                "Platform",
                "TestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "GatewayTests",
            dependencies: [
                "PlatformCore", "PlatformDatabase",
                "BazaarServer",
                "Platform",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["schema.graphql"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "WebFrontTests",
            dependencies: [
                "WebFront",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "UpstreamsTests",
            dependencies: [
                "Upstreams", .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "PlatformCore", "PlatformEvents", "Platform", "PlatformObservability",
                "BazaarServer",
                "KafkaEvents",
                "TestSupport",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["openapi-operations.txt"],
            swiftSettings: strictSettings
        ),
    ]
)
