import IAMIdentity
import Testing

@Suite struct TokenDigestTests {
    @Test func digestIsSHA256OfTheText() {
        // sha256("abc")
        #expect(
            TokenDigest(of: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(TokenDigest(of: "abc").bytes.count == 32)
    }
}
