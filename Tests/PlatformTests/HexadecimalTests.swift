import PlatformAuth
import PlatformCore
import Testing

/// Stored token hashes, idempotency hashes and ETags are lower-case hex of a digest: the text
/// must stay what it was when rows were written with Foundation's `%02x`.
struct HexadecimalTests {
    @Test
    func bytesBecomeTwoLowerCaseDigitsEach() {
        #expect([UInt8]().hexadecimal == "")
        #expect([0x00, 0x01, 0x0f, 0x10, 0xa5, 0xf0, 0xff].hexadecimal == "00010f10a5f0ff")
        #expect((0...255).map(UInt8.init).hexadecimal.count == 512)
    }

    @Test
    func tokenHashesAreTheStandardSHA256Text() {
        // FIPS 180-2 test vectors.
        #expect(Secrets.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Secrets.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
