import Contracts
import Hummingbird
import PlatformCore
import PlatformHTTP

extension NotificationMessage: ResponseEncodable {}
extension CampaignView: ResponseEncodable {}

struct InboxPage: ResponseEncodable, Sendable {
    let items: [NotificationMessage]
    @NullWhenAbsent var nextCursor: String?
    let unreadCount: Int
}

struct ReadAllResult: ResponseEncodable, Sendable {
    let updated: Int
}

struct AdminNotificationPayload: RequestPayload {
    static let allowedFields: Set<String> = ["userId", "title", "body"]
    let userId: String
    let title: String
    let body: String

    func validate() -> [FieldError] {
        [
            Validate.length(userId, field: "userId", max: 64), Validate.length(title, field: "title", max: 200),
            Validate.length(body, field: "body", max: 5000),
        ]
        .compactMap { $0 }
    }
}
