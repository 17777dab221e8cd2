import Foundation
import PlatformCore
import Testing

/// Ids of rows inserted in bulk (events, orders, notifications) are version 7 UUIDs, so they
/// sort by the millisecond they were made in.
struct TimeOrderedIDTests {
    @Test
    func theTimeComesFirstThenTheVersionAndVariant() {
        let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_764_547_200.125)).lowercasedString
        // 1,764,547,200,125 ms is 0x019ad735_847d.
        #expect(id.hasPrefix("019ad735-847d-7"))
        #expect(["8", "9", "a", "b"].contains(id[id.index(id.startIndex, offsetBy: 19)]))
        #expect(id.count == 36)
        #expect(id == id.lowercased())
    }

    @Test
    func laterIdsSortAfterEarlierOnes() {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        // Two milliseconds apart: a Double of seconds may fall a hair short of its millisecond.
        let ids = (0..<1000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) * 0.002)).lowercasedString }
        #expect(zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test
    func idsOfOneMillisecondDifferInTheirRandomBits() {
        let moment = Date(timeIntervalSince1970: 1_800_000_000)
        let ids = (0..<10_000).map { _ in UUID.timeOrdered(at: moment).lowercasedString }
        #expect(Set(ids).count == ids.count)
        #expect(Set(ids.map { $0.prefix(13) }).count == 1)
    }
}
