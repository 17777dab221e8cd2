import PlatformAuth
import PlatformCore
import PlatformEvents
import PlatformHTTP
/// The operations routes (health, metrics) and the admin views of the platform's own tables (events, dead letters, audit, mail). Declared beside the routes; BazaarServer assembles the OpenAPI document.
public enum OperationsAPI: APIContract {
    public static let operations: [APIOperation] = [
        APIOperation(
            "get", "/health/live", "Liveness", tag: "Operations", access: .open, status: 200, response: "Health"),
        APIOperation(
            "get", "/health/ready", "Readiness: database reachable and migrations applied", tag: "Operations",
            access: .open, status: 200, response: "Health"),
        APIOperation(
            "get", "/metrics", "Prometheus metrics", tag: "Operations", access: .open, status: 200,
            contentType: "text/plain"),
        APIOperation(
            "get", "/api/v1/admin/events", "Recent events, newest first", tag: "Admin", access: .admin, status: 200,
            response: "EventList", query: [("limit", "integer"), ("type", "string")]),
        APIOperation(
            "get", "/api/v1/admin/dead-letters", "Events and jobs that failed too often", tag: "Admin",
            access: .admin, status: 200, response: "DeadLetterList", query: [("limit", "integer")]),
        APIOperation(
            "post", "/api/v1/admin/dead-letters/{id}/replay", "Run a dead letter again", tag: "Admin",
            access: .admin, status: 204,
            errors: [409: "The replay failed again or its consumer is not served here"]),
        APIOperation(
            "get", "/api/v1/admin/audit",
            "The audit log, newest first: admin changes (route, target, status, address, request id) and security events (security.login-lockout, security.refresh-token-reuse, security.signing-key-rotated); action ending in * matches by prefix",
            tag: "Admin", access: .admin, status: 200, response: "AuditList",
            query: [("limit", "integer"), ("cursor", "string"), ("action", "string"), ("actorId", "string")]),
        APIOperation(
            "get", "/api/v1/admin/mail", "The outgoing mail log", tag: "Admin", access: .admin, status: 200,
            response: "MailList", query: [("limit", "integer"), ("to", "string")]),
    ]

    public static var schemas: [String: JSONValue] {
        [
            "Health": object(["status": ["type": "string", "enum": ["ok", "unavailable"]]], required: ["status"]),
            "Event": object(
                ["id": string, "type": string, "version": ["type": "integer"], "payload": ["type": "object"], "occurredAt": dateTime],
                required: ["id", "type", "version", "payload", "occurredAt"]),
            "EventList": list(of: "Event"),
            "DeadLetter": object(
                [
                    "id": ["type": "integer"], "source": ["type": "string", "enum": ["event", "job"]], "consumer": string,
                    "eventID": string, "eventType": string, "payload": string, "error": string, "attempts": ["type": "integer"],
                    "failedAt": dateTime,
                ],
                required: ["id", "source", "consumer", "eventID", "eventType", "payload", "error", "attempts", "failedAt"]),
            "DeadLetterList": list(of: "DeadLetter"),
            "AuditEntry": object(
                [
                    "id": ["type": "integer"], "at": dateTime, "actorId": ["type": ["string", "null"]],
                    "actorRole": ["type": ["string", "null"]],
                    "action": string, "target": ["type": ["string", "null"]], "outcome": string,
                    "clientAddress": ["type": ["string", "null"]],
                    "requestId": ["type": ["string", "null"]], "detail": ["type": ["string", "null"]],
                ], required: ["id", "at", "action", "outcome"]),
            "AuditList": list(of: "AuditEntry"),
            "Mail": object(
                ["id": ["type": "integer"], "to": string, "subject": string, "body": string, "sentAt": dateTime],
                required: ["id", "to", "subject", "body", "sentAt"]),
            "MailList": list(of: "Mail"),
        ]
    }
}
