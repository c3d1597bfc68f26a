import AuthzICAP
import Testing

@Suite struct ICAPConfigurationTests {
    @Test func defaults() {
        let configuration = ICAPConfiguration()
        #expect(configuration.service == "sigv4-authz")
        #expect(configuration.isTag() == "\"sigv4-authz-1\"")
    }
}
