import AsyncHTTPClient
import Foundation
import MetricsTestKit
import NIOHTTP1
import SigV4
import Synchronization
import Testing

@testable import AWSCredentials
@testable import IAMIdentity

/// A clock the test moves by hand (the verifier's `now`).
final class TestClock: Sendable {
    private let seconds: Mutex<Int64>

    init(_ now: Int64) { seconds = Mutex(now) }

    var now: Int64 { seconds.withLock { $0 } }

    func advance(by delta: Int64) { seconds.withLock { $0 += delta } }

    var closure: @Sendable () -> Int64 { { self.now } }
}

@Suite("Caller identity verifier")
struct CallerIdentityVerifierTests {
    /// 2026-11-30T20:00:00Z.
    static let now: Int64 = 1_796_068_800
    static let credentials = SigningCredentials(
        accessKeyID: "ASIAQNZGKIQY56JQ7WML", secretAccessKey: "identity-secret-abcdefghijklmnopqrstuvwxyz01",
        sessionToken: "FwoGZXIvYXdzEJr//////////wEaDO+session/token=")

    static let identityJSON = """
        {"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012",\
        "Arn":"arn:aws:sts::123456789012:assumed-role/orders-reader/i-0abc","UserId":"AROAEXAMPLEID:i-0abc"},\
        "ResponseMetadata":{"RequestId":"01234567-89ab-cdef-0123-456789abcdef"}}}
        """
    static let identity = CallerIdentity(
        arn: "arn:aws:sts::123456789012:assumed-role/orders-reader/i-0abc", account: "123456789012",
        userID: "AROAEXAMPLEID:i-0abc")

    static func stsError(_ code: String, _ message: String) -> String {
        """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
        <Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>r-1</RequestId></ErrorResponse>
        """
    }

    /// The presigned query of a token minted by `IdentityTokenMinter` (decoded from the token's base64url).
    static func mintedQuery(
        audience: String = "orders", region: String = "us-east-1", credentials: SigningCredentials = credentials,
        at seconds: Int64 = now
    ) throws -> (host: String, query: String) {
        let token = try IdentityTokenMinter.mint(
            credentials: credentials, audience: audience, region: region,
            timestamp: AmzTimestamp(secondsSinceEpoch: seconds))
        var text = String(token.dropFirst(IdentityTokenMinter.prefix.count))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.utf8.count % 4 != 0 { text += "=" }
        let url = String(decoding: try #require(Data(base64Encoded: text)), as: UTF8.self)
        let rest = try #require(url.split(separator: "://", maxSplits: 1).last)
        let host = try #require(rest.split(separator: "/", maxSplits: 1).first)
        let query = try #require(url.split(separator: "?", maxSplits: 1).last)
        return (String(host), String(query))
    }

    /// A token as `IdentityToken.parse` makes one, built field by field so these tests do not depend on the
    /// parser: `tag` makes the digest (and the query) differ between tokens.
    static func token(
        tag: String = "1", host: String = "sts.us-east-1.amazonaws.com", query: String? = nil,
        signedAt: Int64 = now, maxAge: Int64 = 900
    ) throws -> IdentityToken {
        let query = try query ?? mintedQuery(at: signedAt).query + "&tag=\(tag)"
        return IdentityToken(
            digest: TokenDigest(of: "k8s-aws-v1.\(tag).\(query)"), host: host, query: query, region: "us-east-1",
            partition: "aws", accessKeyID: credentials.accessKeyID,
            account: try #require(AWSAccountID("123456789012")), signedAt: signedAt, expiresAt: signedAt + maxAge,
            audience: "orders", audienceHeader: "x-k8s-aws-id")
    }

    static func verifier(
        _ server: TestHTTPServer, metrics: TestMetrics? = nil, timeout: Duration = .seconds(5),
        maxEntries: Int = 100_000, clock: TestClock = TestClock(now)
    ) -> CallerIdentityVerifier {
        CallerIdentityVerifier(
            client: HTTPClient.shared, endpoint: server.baseURL, metrics: metrics.map { IdentityMetrics(factory: $0) },
            timeout: timeout, maxEntries: maxEntries, now: clock.closure)
    }

    static func counted(_ metrics: TestMetrics, _ label: String, _ name: String, _ value: String) -> Int64 {
        (try? metrics.expectCounter(label, [(name, value)]).totalValue) ?? 0
    }

    static func lookups(_ metrics: TestMetrics, _ result: String) -> Int64 {
        counted(metrics, "sigv4authz_identity_cache_total", "result", result)
    }

    @Test("Many checks of one token make one STS call; the identity is cached and counted as hits")
    func oneCall() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let verifier = Self.verifier(server, metrics: metrics)
        let token = try Self.token()
        #expect(verifier.cached(token) == nil)
        for _ in 0..<10 {
            #expect(await verifier.verify(token) == .verified(Self.identity))
        }
        #expect(verifier.cached(token) == .verified(Self.identity))
        #expect(server.requests.count == 1)
        #expect(Self.lookups(metrics, "miss") == 1)
        #expect(Self.lookups(metrics, "hit") == 10)
        #expect(Self.counted(metrics, "sigv4authz_identity_sts_calls_total", "outcome", "verified") == 1)
        #expect(try metrics.expectTimer("sigv4authz_identity_sts_seconds").values.count == 1)
    }

    @Test("A burst of 50 concurrent verifications makes one STS call; every caller gets its outcome")
    func burst() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let verifier = Self.verifier(server, metrics: metrics)
        let token = try Self.token()
        let outcomes = await withTaskGroup(of: IdentityOutcome.self) { group in
            for _ in 0..<50 { group.addTask { await verifier.verify(token) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 50)
        #expect(outcomes.allSatisfy { $0 == .verified(Self.identity) })
        #expect(server.requests.count == 1)
        #expect(Self.lookups(metrics, "miss") == 1)
        #expect(Self.lookups(metrics, "joined") + Self.lookups(metrics, "hit") == 49)
    }

    @Test("Checks waiting on a call that hangs all join it and get its outcome; unavailable is not cached")
    func joinedWhileHanging() async throws {
        let server = try await TestHTTPServer.start { _ in .silence }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let verifier = Self.verifier(server, metrics: metrics, timeout: .seconds(2))
        let token = try Self.token()
        let waiting = Task {
            await withTaskGroup(of: IdentityOutcome.self) { group in
                for _ in 0..<50 { group.addTask { await verifier.verify(token) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Every check is waiting on the one call before it times out.
        #expect(await eventually { Self.lookups(metrics, "joined") == 49 })
        #expect(Self.lookups(metrics, "miss") == 1)
        let outcomes = await waiting.value
        #expect(outcomes.count == 50)
        guard case .unavailable = outcomes[0] else {
            Issue.record("a call that times out is unavailable, not \(outcomes[0])")
            return
        }
        #expect(Set(outcomes).count == 1)
        #expect(server.requests.count == 1)
        #expect(verifier.cached(token) == nil)
        #expect(verifier.count == 0)
        #expect(Self.counted(metrics, "sigv4authz_identity_sts_calls_total", "outcome", "unreachable") == 1)
    }

    @Test("A cached outcome is used until the token expires; after that a new STS call")
    func expiry() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let clock = TestClock(Self.now + 10)
        let verifier = Self.verifier(server, clock: clock)
        let token = try Self.token()
        #expect(await verifier.verify(token) == .verified(Self.identity))
        clock.advance(by: 900 - 10 - 1)
        #expect(verifier.cached(token) == .verified(Self.identity))
        #expect(await verifier.verify(token) == .verified(Self.identity))
        #expect(server.requests.count == 1)
        clock.advance(by: 1)
        #expect(verifier.cached(token) == nil)
        #expect(await verifier.verify(token) == .verified(Self.identity))
        #expect(server.requests.count == 2)
        // Not cached again: the token has expired.
        #expect(verifier.cached(token) == nil)
    }

    @Test(
        "A refusal is cached; a throttled or failed call is not", arguments: [(403, true), (400, false), (503, false)])
    func refusalCached(status: Int, cached: Bool) async throws {
        let body =
            status == 403
            ? Self.stsError("InvalidClientTokenId", "The security token included in the request is invalid.")
            : status == 400 ? Self.stsError("Throttling", "Rate exceeded") : "Service Unavailable"
        let server = try await TestHTTPServer.start { _ in .respond(status: status, body: body) }
        defer { Task { try? await server.stop() } }
        let verifier = Self.verifier(server)
        let token = try Self.token()
        let first = await verifier.verify(token)
        switch first {
        case .refused: #expect(cached)
        case .unavailable: #expect(!cached)
        case .verified: Issue.record("HTTP \(status) verified a token")
        }
        _ = await verifier.verify(token)
        #expect(server.requests.count == (cached ? 1 : 2))
        #expect((verifier.cached(token) != nil) == cached)
    }

    @Test("On the wire: GET, path / and the token's query byte for byte, Host the token's host, the audience header")
    func wire() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let verifier = Self.verifier(server)
        let minted = try Self.mintedQuery(region: "eu-west-1")
        // The minted query carries %2B, %2F and %3D (the session token) and %3B (the signed headers);
        // a second token tries the characters a query may hold unencoded.
        let queries = [minted.query, minted.query + "&x=a~b-c_d.e!f*g'h(i)j,k;l:m@n$o+p/q?r"]
        for (index, query) in queries.enumerated() {
            let token = try Self.token(tag: "\(index)", host: minted.host, query: query)
            #expect(await verifier.verify(token) == .verified(Self.identity))
        }
        let requests = server.requests
        try #require(requests.count == queries.count)
        for (request, query) in zip(requests, queries) {
            #expect(request.method == "GET")
            #expect(request.uri == "/?" + query)
            #expect(request.headers["Host"] == ["sts.eu-west-1.amazonaws.com"])
            #expect(request.headers["x-k8s-aws-id"] == ["orders"])
            #expect(request.headers["Accept"] == ["application/json"])
            #expect(request.body.isEmpty)
        }
    }

    @Test("A call that gets no answer is unavailable within the deadline", .timeLimit(.minutes(1)))
    func timeout() async throws {
        let server = try await TestHTTPServer.start { _ in .silence }
        defer { Task { try? await server.stop() } }
        try await DedicatedThread.run { client, thread in
            let metrics = TestMetrics()
            // The call's own task runs on the dedicated thread too (an unstructured task does not
            // inherit the preference): on the shared pool it waited 4.4 s behind a full swift test.
            let verifier = CallerIdentityVerifier(
                client: client, endpoint: server.baseURL, metrics: IdentityMetrics(factory: metrics),
                timeout: .milliseconds(300), now: { Self.now }, taskExecutor: thread)
            let started = ContinuousClock.now
            let outcome = await verifier.verify(try Self.token())
            // The silent server never answers, so the call ending at all is the deadline's doing; the bound
            // is loose because a full `swift test` on 2 cores delays resumptions by seconds (7.5 s seen).
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(ContinuousClock.now - started < .seconds(30))
            guard case .unavailable(let sentence) = outcome else {
                Issue.record("a call that times out is unavailable, not \(outcome)")
                return
            }
            #expect(sentence.contains("no answer in time"), "\(sentence)")
            #expect(Self.counted(metrics, "sigv4authz_identity_sts_calls_total", "outcome", "unreachable") == 1)
        }
    }

    @Test("At most maxEntries outcomes are kept; a full cache drops expired ones first")
    func bounded() async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let clock = TestClock(Self.now)
        let verifier = Self.verifier(server, maxEntries: 3, clock: clock)
        let early = try (0..<3).map { try Self.token(tag: "early-\($0)", maxAge: 60) }
        for token in early { #expect(await verifier.verify(token) == .verified(Self.identity)) }
        #expect(verifier.count == 3)
        // Full: a fourth outcome is returned but not kept.
        let late = try Self.token(tag: "late")
        #expect(await verifier.verify(late) == .verified(Self.identity))
        #expect(verifier.count == 3)
        #expect(verifier.cached(late) == nil)
        #expect(verifier.cached(early[0]) != nil)
        // Once the first three expire, the next outcome takes their room.
        clock.advance(by: 60)
        #expect(await verifier.verify(late) == .verified(Self.identity))
        #expect(verifier.count == 1)
        #expect(verifier.cached(late) == .verified(Self.identity))
        #expect(server.requests.count == 5)
    }

    struct CountCase: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var outcome: IdentityMetrics.Outcome
        var testDescription: String { "HTTP \(status) → \(outcome.rawValue)" }
    }

    static let countCases: [CountCase] = [
        CountCase(status: 200, body: identityJSON, outcome: .verified),
        CountCase(status: 403, body: stsError("SignatureDoesNotMatch", "Signature expired"), outcome: .refused),
        CountCase(status: 403, body: stsError("ExpiredToken", "The security token is expired"), outcome: .refused),
        CountCase(status: 400, body: stsError("Throttling", "Rate exceeded"), outcome: .throttled),
        CountCase(status: 429, body: "", outcome: .throttled),
        CountCase(status: 503, body: stsError("ServiceUnavailable", "later"), outcome: .throttled),
        CountCase(status: 500, body: "", outcome: .unreachable),
        CountCase(status: 200, body: "<html>not STS</html>", outcome: .malformed),
        CountCase(status: 200, body: String(repeating: "x", count: 70_000), outcome: .malformed),
    ]

    @Test("Every call is counted by how it ended and timed", arguments: countCases)
    func counted(_ item: CountCase) async throws {
        let server = try await TestHTTPServer.start { _ in .respond(status: item.status, body: item.body) }
        defer { Task { try? await server.stop() } }
        let metrics = TestMetrics()
        let outcome = await Self.verifier(server, metrics: metrics).verify(try Self.token())
        switch (item.outcome, outcome) {
        case (.verified, .verified), (.refused, .refused): break
        case (.throttled, .unavailable), (.unreachable, .unavailable), (.malformed, .unavailable): break
        default: Issue.record("HTTP \(item.status): \(outcome)")
        }
        for kind in IdentityMetrics.Outcome.allCases {
            let count = Self.counted(metrics, "sigv4authz_identity_sts_calls_total", "outcome", kind.rawValue)
            #expect(count == (kind == item.outcome ? 1 : 0), "\(kind.rawValue)")
        }
        #expect(try metrics.expectTimer("sigv4authz_identity_sts_seconds").values.count == 1)
    }

    @Test("An endpoint that refuses connections is unavailable and counted unreachable; the next check retries")
    func refusedConnection() async throws {
        let closed = try await TestHTTPServer.start { _ in .silence }
        try await closed.stop()
        let metrics = TestMetrics()
        // AsyncHTTPClient retries a refused connection until the deadline: keep it short.
        let verifier = Self.verifier(closed, metrics: metrics, timeout: .seconds(1))
        let token = try Self.token()
        for _ in 0..<2 {
            guard case .unavailable = await verifier.verify(token) else {
                Issue.record("a refused connection must be unavailable")
                return
            }
        }
        #expect(Self.counted(metrics, "sigv4authz_identity_sts_calls_total", "outcome", "unreachable") == 2)
    }

    @Test("An override that is not an http(s) URL makes every verification unavailable, with no call")
    func badOverride() async throws {
        let verifier = CallerIdentityVerifier(
            client: HTTPClient.shared, endpoint: "ftp://sts.example", now: { Self.now })
        guard case .unavailable(let sentence) = await verifier.verify(try Self.token()) else {
            Issue.record("a bad override must fail closed")
            return
        }
        #expect(sentence.contains("identity.sts_endpoint"))
    }

    @Test(
        "A query that cannot go into the request line unchanged is unavailable, with no call",
        arguments: ["\r\nX-Injected: 1", " HTTP/1.1", "#fragment", "caf\u{E9}", "\u{7F}"])
    func unsendableQuery(_ suffix: String) async throws {
        let server = try await TestHTTPServer.start { _ in .ok(Self.identityJSON, contentType: "application/json") }
        defer { Task { try? await server.stop() } }
        let query = try Self.mintedQuery().query + "&x=" + suffix
        guard case .unavailable = await Self.verifier(server).verify(try Self.token(query: query)) else {
            Issue.record("a query with \(suffix.debugDescription) must not be sent")
            return
        }
        #expect(server.requests.isEmpty)
    }

    @Test("No sentence quotes the token's signature or session token, whatever STS answers")
    func secretsWithheld() async throws {
        let server = try await TestHTTPServer.start { request in
            .respond(status: 403, body: Self.stsError("SignatureDoesNotMatch", "you sent \(request.uri)"))
        }
        defer { Task { try? await server.stop() } }
        let token = try Self.token()
        let outcome = await Self.verifier(server).verify(token)
        let sentence: String
        switch outcome {
        case .refused(let text), .unavailable(let text): sentence = text
        case .verified: sentence = ""
        }
        let secrets = CallerIdentityVerifier.secrets(of: token)
        #expect(secrets.count == 4)
        #expect(!STSClient.quotesAny(of: secrets, in: sentence), "\(sentence)")
        // The scrubbing itself, for a reader that would repeat STS's message.
        let quoting = IdentityOutcome.refused("STS refused: \(token.query)")
        #expect(CallerIdentityVerifier.scrubbed(quoting, secrets: secrets) != quoting)
        let plain = IdentityOutcome.unavailable("STS failed to answer (HTTP 500)")
        #expect(CallerIdentityVerifier.scrubbed(plain, secrets: secrets) == plain)
    }
}
