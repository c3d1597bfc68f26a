import AuthzServer
import Logging
import Testing

@Suite("Audit log")
struct AuditLogTests {
    @Test("a full buffer drops records without blocking and counts them")
    func dropsWhenFull() throws {
        let metrics = ServerMetrics(version: "test")
        let audit = try AuditLog(capacity: 2, path: "/dev/null", metrics: metrics, logger: Logger(label: "test"))
        let started = ContinuousClock.now
        for index in 0..<10 { audit.record("{\"n\":\(index)}") }  // no writer running: only 2 fit
        #expect(ContinuousClock.now - started < .seconds(10))  // blocking would never return; loose for slow machines
        #expect(metrics.render().contains("sigv4authz_audit_dropped_total 8"))
    }
}
