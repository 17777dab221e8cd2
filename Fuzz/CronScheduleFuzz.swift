// libFuzzer target for CronSchedule (built by scripts/fuzz with the parser's source file).
// Any text either fails to parse or yields a schedule whose next run, searched from a fixed
// instant, is found in bounded time, lies after that instant on a whole minute, matches the
// minute, hour and month fields, and is found again when searching from a minute earlier.
import Foundation

private let from = Date(timeIntervalSince1970: 1_790_000_000)
private let utc: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCronSchedule(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: min(count, 256)), as: UTF8.self)
    guard let schedule = try? CronSchedule(text), let next = schedule.next(after: from) else { return 0 }
    let parts = utc.dateComponents([.month, .hour, .minute, .second], from: next)
    precondition(next > from, "next run \(next) is not after the start")
    precondition(parts.second == 0, "next run is not on a minute")
    precondition(schedule.minutes.contains(parts.minute!) && schedule.hours.contains(parts.hour!) && schedule.months.contains(parts.month!))
    precondition(schedule.next(after: next.addingTimeInterval(-60)) == next, "a search from a minute earlier finds another run")
    return 0
}
