#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each connection costs a file descriptor. Past the process's limit `accept` fails and the
/// listener cannot even refuse politely, so the connection cap stays below what the process may
/// open, after raising the soft limit to the hard one.
public enum OpenFileLimit {
    /// `requested`, or fewer when the open-file limit (less `reserved` for the database pool,
    /// log files and listeners) does not allow that many; at least 8.
    public static func connectionBudget(requested: Int, reserved: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return requested }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        // RLIM_INFINITY is all ones; clamping turns it (and any huge limit) into Int.max.
        let available = Int(clamping: UInt64(limit.rlim_cur))
        return max(8, min(requested, available - reserved))
    }
}
