/// The request being served, for what is written on its behalf without a context at hand (the
/// events it appends carry its id to Kafka). It lives here, below the database, because a write
/// transaction's body may run on another task than the request's (SQLite's combining writer), and
/// the database carries this value across.
public enum RequestTrace {
    @TaskLocal public static var requestID: String?
}
