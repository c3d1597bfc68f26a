import SigV4
import Testing

@Suite struct SigningCredentialsTests {
    let temporary = SigningCredentials(
        accessKeyID: "ASIAY34FZKBOKMUTVV7A", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        sessionToken: "FwoGZXIvYXdzEXAMPLETOKEN", expiration: 1_800_000_000)

    @Test func descriptionNeverShowsTheSecretOrTheToken() {
        var dumped = ""
        dump(temporary, to: &dumped)
        let text = "\(temporary) \(String(reflecting: temporary)) \(dumped)"
        #expect(text.contains("ASIAY34FZKBOKMUTVV7A"))
        #expect(!text.contains("wJalrXUtnFEMI"))
        #expect(!text.contains("FwoGZXIvYXdzEXAMPLETOKEN"))
    }

    @Test(arguments: [
        (now: Int64(1_799_999_000), margin: Int64(0), valid: true),
        (now: 1_799_999_800, margin: 300, valid: false),
        (now: 1_799_999_699, margin: 300, valid: true),
        (now: 1_799_999_700, margin: 300, valid: false),
        (now: 1_800_000_000, margin: 0, valid: false),
    ])
    func validityHonoursTheMargin(now: Int64, margin: Int64, valid: Bool) {
        #expect(temporary.isValid(at: now, margin: margin) == valid)
    }

    @Test func longTermCredentialsNeverExpire() {
        let longTerm = SigningCredentials(accessKeyID: "AKIAV7S32T2OSBFJQOIY", secretAccessKey: "secret")
        #expect(longTerm.isValid(at: .max - 1000, margin: 300))
    }
}
