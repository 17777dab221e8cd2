public import Foundation

/// A 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in UTC.
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and comma lists; day-of-week
/// 0 and 7 are Sunday. As in Vixie cron, when both day fields are restricted a day matches if
/// either does.
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let description: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public struct ParseError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ expression: String) throws {
        let fields = expression.split(whereSeparator: \.isWhitespace).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "a cron schedule has 5 fields (minute hour day month weekday), got \(fields.count)")
        }
        minutes = try Self.parse(fields[0], name: "minute", range: 0...59)
        hours = try Self.parse(fields[1], name: "hour", range: 0...23)
        daysOfMonth = try Self.parse(fields[2], name: "day of month", range: 1...31)
        months = try Self.parse(fields[3], name: "month", range: 1...12)
        daysOfWeek = Set(try Self.parse(fields[4], name: "day of week", range: 0...7).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        description = fields.joined(separator: " ")
    }

    private static func parse(_ field: String, name: String, range: ClosedRange<Int>) throws -> Set<Int> {
        var values = Set<Int>()
        for part in field.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw ParseError(description: "invalid \(name) field '\(field)'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw ParseError(description: "invalid step in \(name) field '\(field)'")
                }
                step = parsed
            }
            let bounds: ClosedRange<Int>
            if pieces[0] == "*" {
                bounds = range
            } else if let dash = pieces[0].firstIndex(of: "-") {
                guard let low = Int(pieces[0][..<dash]), let high = Int(pieces[0][pieces[0].index(after: dash)...]), low <= high,
                    range.contains(low), range.contains(high)
                else { throw ParseError(description: "invalid range in \(name) field '\(field)'") }
                bounds = low...high
            } else {
                guard let value = Int(pieces[0]), range.contains(value) else {
                    throw ParseError(description: "\(name) value '\(pieces[0])' is outside \(range.lowerBound)-\(range.upperBound)")
                }
                bounds = pieces.count == 2 ? value...range.upperBound : value...value
            }
            values.formUnion(stride(from: bounds.lowerBound, through: bounds.upperBound, by: step))
        }
        return values
    }

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// The first matching minute strictly after `date`.
    public func next(after date: Date) -> Date? {
        let calendar = Self.utc
        var components = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        components.second = 0
        guard var candidate = calendar.date(from: components)?.addingTimeInterval(60) else { return nil }
        // Skip whole months, days and hours that cannot match; bounded to a few years of search.
        let limit = date.addingTimeInterval(5 * 366 * 86_400)
        while candidate < limit {
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: candidate)
            if !months.contains(parts.month!) {
                candidate = calendar.date(from: DateComponents(year: parts.year, month: parts.month! + 1, day: 1))!
                continue
            }
            if !dayMatches(day: parts.day!, weekday: parts.weekday! - 1) {
                candidate = calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day! + 1))!
                continue
            }
            if !hours.contains(parts.hour!) {
                candidate = calendar.date(
                    from: DateComponents(year: parts.year, month: parts.month, day: parts.day, hour: parts.hour! + 1))!
                continue
            }
            if !minutes.contains(parts.minute!) {
                candidate = candidate.addingTimeInterval(60)
                continue
            }
            return candidate
        }
        return nil
    }

    private func dayMatches(day: Int, weekday: Int) -> Bool {
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): daysOfMonth.contains(day) || daysOfWeek.contains(weekday)
        case (true, false): daysOfMonth.contains(day)
        case (false, true): daysOfWeek.contains(weekday)
        case (false, false): true
        }
    }
}
