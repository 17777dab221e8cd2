/// Whose write transactions a task submits: a request's, whose client waits for them, or
/// background work's (event consumers, jobs, the scheduler), which only has to keep up. SQLite's
/// one writer runs waiting requests' transactions first (`WriteQueue`); PostgreSQL runs
/// transactions side by side and ignores it.
public enum WritePriority: Sendable {
    case request
    case background

    @TaskLocal public static var current = WritePriority.request
}
