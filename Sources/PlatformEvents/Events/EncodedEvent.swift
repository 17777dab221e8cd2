import Foundation
import PlatformCore

/// A domain event as the log stores it, with its id. Encoding it is CPU work that need not
/// happen inside the transaction that appends it: on SQLite every write transaction runs on one
/// writer in turn, so a request that encodes its event first leaves the writer free sooner.
/// An event that decodes to itself is kept for this process's consumers as it is
/// (`RecentPayloads`), so that they do not parse what was just encoded here.
public struct EncodedEvent: Sendable {
    public let id: String
    let type: String
    let version: Int
    let payload: String
    let aggregateID: String

    public init<Event: DomainEvent>(_ event: Event) throws {
        id = UUID.timeOrdered().lowercasedString
        type = Event.type
        version = Event.version
        payload = try SortedJSON.string(event)
        aggregateID = event.aggregateID
        if Event.decodesToItself { RecentPayloads.shared.keep(event, id: id) }
    }
}
