// libFuzzer target for the Socket.IO client packet reader (built by scripts/fuzz with
// ClientPacket.swift and NestingLimit.swift). Any input, taken as one long-polling payload:
//  - splits into pieces that hold no separator and together hold every other character;
//  - each piece reads as some packet; a CONNECT names a namespace other than "/" that starts with
//    "/", and its auth payload is the end of the piece;
//  - an auth payload within the nesting limit goes through JSONDecoder like the server's, and
//    nothing crashes whatever it holds.
import Foundation

private struct Auth: Decodable {
    let token: String?
    let authorization: String?
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientPacket(_ data: UnsafeRawPointer, _ count: Int) -> CInt {
    let payload = Substring(String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self))
    let pieces = ClientPacket.split(payload)
    precondition(pieces.allSatisfy { !$0.contains(ClientPacket.separator) })
    precondition(pieces.joined() == String(payload.filter { $0 != ClientPacket.separator }))
    for piece in pieces {
        guard case .connect(let namespace, let auth) = ClientPacket(piece) else { continue }
        if let namespace { precondition(namespace.hasPrefix("/") && namespace != "/") }
        if let auth {
            precondition(piece.hasSuffix(auth))
            if NestingLimit.allowsJSON(Array(auth.utf8)) { _ = try? JSONDecoder().decode(Auth.self, from: Data(auth.utf8)) }
        }
    }
    return 0
}
