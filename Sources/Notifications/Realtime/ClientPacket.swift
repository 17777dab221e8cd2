/// What a Socket.IO client sent, read from one Engine.IO packet whichever transport carried it.
/// Kept free of the server's state so that it can be fuzzed alone (scripts/fuzz): every string
/// is some packet, most of them `ignored`.
enum ClientPacket: Equatable {
    /// Engine.IO "1": the client closes the session.
    case close
    /// Engine.IO "3": the answer to the server's ping.
    case pong
    /// Socket.IO CONNECT ("40"), to the default namespace unless one other than "/" is named;
    /// `auth` is the JSON payload after it, if any.
    case connect(namespace: Substring?, auth: Substring?)
    /// Socket.IO DISCONNECT ("41").
    case disconnect
    /// Anything else: "6" noops, client events, pings (not part of v4), garbage.
    case ignored

    /// The separator of packets in one long-polling payload (Engine.IO v4: U+001E).
    static let separator: Character = "\u{1e}"

    init(_ packet: Substring) {
        switch packet.first {
        case "1": self = .close
        case "3": self = .pong
        case "4": self = Self.socketIO(packet.dropFirst())
        default: self = .ignored
        }
    }

    private static func socketIO(_ packet: Substring) -> ClientPacket {
        switch packet.first {
        case "0":
            var rest = packet.dropFirst()
            var namespace: Substring?
            if rest.first == "/" {
                let named = rest.prefix { $0 != "," }
                rest = rest.dropFirst(named.count + 1)
                if named != "/" { namespace = named }
            }
            return .connect(namespace: namespace, auth: rest.isEmpty ? nil : rest)
        case "1":
            return .disconnect
        default:
            return .ignored
        }
    }

    /// The packets of one long-polling POST body.
    static func split(_ payload: Substring) -> [Substring] {
        payload.split(separator: separator)
    }
}
