import BazaarServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import KafkaEvents
import PlatformEvents
import SQLKit
import Synchronization
import Testing
import TestSupport

/// The admin view of dead letters over HTTP: a consumer that keeps failing parks the event, the
/// admin sees it, and a replay after the fault is gone applies it and removes the letter.
@Suite("Dead letters over HTTP")
struct DeadLetterRoutesTests {
    /// Fails Cart's checkout consumer while `broken` is set.
    final class Switchable: EventHandler, Sendable {
        let inner: any EventHandler
        let broken: Atomic<Bool>
        var name: String { inner.name }
        var handledEvents: [any DomainEvent.Type] { inner.handledEvents }
        init(_ inner: any EventHandler, broken: Bool) {
            self.inner = inner
            self.broken = Atomic(broken)
        }
        struct Outage: Error {}
        func didCommit() { inner.didCommit() }
        func handle(_ event: EventEnvelope, on db: any SQLDatabase) async throws {
            if inner.name == "cart.checkout" && broken.load(ordering: .relaxed) { throw Outage() }
            try await inner.handle(event, on: db)
        }
    }

    struct Letter: Decodable { let id: Int64; let consumer: String; let eventType: String; let attempts: Int }

    @Test(arguments: TestEngine.allCases)
    func parkedEventsAreListedAndReplayed(engine: TestEngine) async throws {
        try await parkAndReplay(engine)
    }

    /// The same with the consumers reading from Kafka: a parked event has no log position to
    /// move past, the consumer leaves it out of its batch and goes on.
    @Test(arguments: TestEngine.allCases)
    func eventsFromKafkaAreParkedAndReplayedToo(engine: TestEngine) async throws {
        let broker = try await KafkaBroker()
        let address = broker.address
        try await parkAndReplay(engine) { settings in
            settings.kafka = KafkaRelaySettings(brokers: [address])
            settings.eventTransport = .kafka
        }
    }

    func parkAndReplay(_ engine: TestEngine, configure: @escaping @Sendable (inout BazaarSettings) -> Void = { _ in }) async throws {
        let handlers = Mutex<[Switchable]>([])
        try await TestBazaar.run(
            engine, configure: configure,
            decorateHandlers: { inner in
                let wrapped = Switchable(inner, broken: true)
                handlers.withLock { $0.append(wrapped) }
                return wrapped
            }
        ) { app in
            let admin = try await app.admin().accessToken
            let pen = try await app.createProduct(admin: admin, sku: "PEN", stock: 5)
            let user = try await app.register(email: "dl@example.com").accessToken
            _ = try await app.request(.put, "/api/v1/cart/items/\(pen.id)", token: user, json: #"{"quantity":1}"#)
            #expect(try await app.placeOrder(token: user, json: #"{"fromCart":true,"paymentMethod":"onDelivery"}"#).status == .accepted)

            let letter = try await poll("the parked event", timeout: .seconds(30)) {
                try await app.request(.get, "/api/v1/admin/dead-letters", token: admin).decode(Page<Letter>.self).items.first
            }
            #expect(letter.consumer == "cart.checkout")
            #expect(letter.eventType == "order.placed")
            #expect(letter.attempts >= 1)
            #expect(try await app.request(.get, "/api/v1/cart", token: user).text.contains(pen.id))

            // Still broken: the replay fails and the letter stays.
            #expect(try await app.request(.post, "/api/v1/admin/dead-letters/\(letter.id)/replay", token: admin).status == .conflict)
            handlers.withLock { $0.forEach { $0.broken.store(false, ordering: .relaxed) } }
            #expect(try await app.request(.post, "/api/v1/admin/dead-letters/\(letter.id)/replay", token: admin).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/admin/dead-letters", token: admin).decode(Page<Letter>.self).items.isEmpty)
            #expect(!(try await app.request(.get, "/api/v1/cart", token: user).text.contains(pen.id)))

            #expect(try await app.request(.post, "/api/v1/admin/dead-letters/\(letter.id)/replay", token: admin).status == .notFound)
            #expect(try await app.request(.post, "/api/v1/admin/dead-letters/abc/replay", token: admin).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/admin/dead-letters?limit=0", token: admin).status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/admin/events?limit=1000", token: admin).status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/wallet?limit=-1", token: user).status == .badRequest)
            #expect(try await app.request(.get, "/api/v1/wallet?cursor=%%", token: user).status == .badRequest)
        }
    }
}
