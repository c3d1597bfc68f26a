public import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
public import SigV4

/// A client of AWS STS's query protocol for the two calls credential brokering needs:
/// `AssumeRole` (signed with SigV4 by the project's ``SigV4Signer``, service `sts`, the client's region)
/// and `AssumeRoleWithWebIdentity` (unsigned: the web identity token is the credential).
///
/// Each call is one form POST (`Version=2011-06-15`) over AsyncHTTPClient with a deadline, its answer
/// read up to 64 KiB. STS's `Throttling` (and HTTP 429 or 503) is ``CredentialError/Reason/throttled``,
/// other error codes ``CredentialError/Reason/refused`` with STS's `Code` and `Message`, a server error or
/// no answer ``CredentialError/Reason/unreachable``. Every call is counted in ``BrokerMetrics``.
///
/// ```swift
/// let sts = try STSClient(region: "eu-west-1", endpoint: STSEndpoint.url(region: "eu-west-1",
///                         environment: env, partitions: model.partitions), client: clients.sts)
/// let role = try await sts.assumeRole(roleARN: "arn:aws:iam::123456789012:role/reader",
///                                     sessionName: "sigv4-authz", using: baseCredentials)
/// ```
public struct STSClient: Sendable {
    /// The region requests are signed for.
    public let region: String
    /// The endpoint URL.
    public var endpoint: String { url.description }
    let url: EndpointURL
    let client: HTTPClient
    let metrics: BrokerMetrics?
    let timeout: Duration
    let now: @Sendable () -> Int64

    /// The largest answer read.
    static let maxAnswerBytes = 64 * 1024

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - endpoint: an http(s) URL (``STSEndpoint/url(region:environment:partitions:)``).
    ///   - timeout: the deadline of each call, connection included.
    ///   - now: the signing clock, seconds since the epoch.
    /// - Throws: ``CredentialError/Reason/misconfigured`` when `endpoint` is not an http(s) URL.
    public init(
        region: String, endpoint: String, client: HTTPClient, metrics: BrokerMetrics? = nil,
        timeout: Duration = .seconds(10), now: @escaping @Sendable () -> Int64 = SystemCacheClock.seconds
    ) throws(CredentialError) {
        guard let url = EndpointURL(endpoint) else {
            throw CredentialError(.misconfigured, "the STS endpoint is not an http or https URL")
        }
        self.region = region
        self.url = url
        self.client = client
        self.metrics = metrics
        self.timeout = timeout
        self.now = now
    }

    /// `sts:AssumeRole`, signed with `credentials`.
    public func assumeRole(
        roleARN: String, sessionName: String, policy: String? = nil, durationSeconds: Int? = nil,
        externalID: String? = nil, using credentials: SigningCredentials
    ) async throws(CredentialError) -> AssumedRole {
        try await assumeRole(
            AssumeRoleRequest(
                roleARN: roleARN, sessionName: sessionName, policy: policy, durationSeconds: durationSeconds,
                externalID: externalID),
            using: credentials)
    }

    /// `sts:AssumeRole` with the parameters of `request`, signed with `credentials`.
    public func assumeRole(
        _ request: AssumeRoleRequest, using credentials: SigningCredentials
    ) async throws(CredentialError) -> AssumedRole {
        var form = [
            ("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", request.roleARN),
            ("RoleSessionName", request.sessionName),
        ]
        if let policy = request.policy { form.append(("Policy", policy)) }
        if let duration = request.durationSeconds { form.append(("DurationSeconds", String(duration))) }
        if let externalID = request.externalID { form.append(("ExternalId", externalID)) }
        return try await call(
            action: "AssumeRole", form: form, signedWith: credentials, subject: request.roleARN,
            secrets: [credentials.secretAccessKey, credentials.sessionToken ?? ""])
    }

    /// `sts:AssumeRoleWithWebIdentity` (unsigned).
    public func assumeRoleWithWebIdentity(
        roleARN: String, sessionName: String, webIdentityToken: String, durationSeconds: Int? = nil
    ) async throws(CredentialError) -> AssumedRole {
        var form = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", roleARN),
            ("RoleSessionName", sessionName), ("WebIdentityToken", webIdentityToken),
        ]
        if let durationSeconds { form.append(("DurationSeconds", String(durationSeconds))) }
        return try await call(
            action: "AssumeRoleWithWebIdentity", form: form, signedWith: nil, subject: roleARN,
            secrets: [webIdentityToken])
    }

    /// One call: the form POSTed (signed when `credentials` are given), the answer read, the outcome counted.
    private func call(
        action: String, form: [(String, String)], signedWith credentials: SigningCredentials?, subject: String,
        secrets: [String]
    ) async throws(CredentialError) -> AssumedRole {
        let started = ContinuousClock.now
        do {
            let role = try await exchange(
                action: action, form: form, signedWith: credentials, subject: subject, secrets: secrets)
            record(.ok, since: started)
            return role
        } catch {
            record(BrokerMetrics.Outcome(error), since: started)
            throw error
        }
    }

    private func record(_ outcome: BrokerMetrics.Outcome, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        metrics?.stsCall(outcome, nanoseconds: nanoseconds)
    }

    private func exchange(
        action: String, form: [(String, String)], signedWith credentials: SigningCredentials?, subject: String,
        secrets: [String]
    ) async throws(CredentialError) -> AssumedRole {
        let body = Array(FormBody.encode(form).utf8)
        var request = SigV4Request(
            method: "POST", rawPath: url.path, rawQuery: url.query,
            headers: [HeaderField("Host", url.hostHeader), HeaderField("Content-Type", FormBody.contentType)])
        var secrets = secrets
        if let credentials {
            do {
                let signature = try credentials.signer.sign(
                    &request, region: region, service: "sts", timestamp: AmzTimestamp(secondsSinceEpoch: now()),
                    payloadHash: PayloadHash.sha256Hex(of: body))
                secrets.append(signature)
            } catch {
                throw CredentialError(.misconfigured, "sts:\(action) could not be signed: \(error.description)")
            }
        }
        let answer = try await CredentialHTTP.send(
            client, method: .POST, url: url, headers: request.headers.map { ($0.name, $0.value) }, body: body,
            deadline: .now() + TimeAmount(timeout), maxBytes: Self.maxAnswerBytes, what: "STS")
        if answer.status == 200 {
            return try STSAnswer.assumedRole(from: answer.body, action: action, subject: subject)
        }
        let error = STSAnswer.error(from: answer.body)
        let detail = Self.errorDetail(
            action: action, subject: subject, status: answer.status, error: error, secrets: secrets)
        if error?.code == "Throttling" || answer.status == 429 || answer.status == 503 {
            throw CredentialError(.throttled, "STS throttled \(detail)")
        }
        if answer.status >= 500 {
            throw CredentialError(.unreachable, "STS failed \(detail)")
        }
        throw CredentialError(.refused, "STS refused \(detail)")
    }

    /// The sentence for an STS error answer: `sts:ACTION for SUBJECT: HTTP STATUS, 'CODE': MESSAGE`.
    ///
    /// The code and the message are checked one by one (``safeCode(_:secrets:)``,
    /// ``safeMessage(_:secrets:limit:)``), then the sentence as it will be printed: the quotes and the
    /// separators put around them must not complete a quote of a secret either (a Code of 11 characters of
    /// a secret that ends in `'`, found by FuzzCredentialAnswers). When the sentence quotes one, STS's
    /// code and message are both withheld.
    static func errorDetail(
        action: String, subject: String, status: Int, error: (code: String, message: String)?, secrets: [String]
    ) -> String {
        let head = "sts:\(action) for \(subject): HTTP \(status), "
        guard let error else { return head + "no error code" }
        let code = safeCode(error.code, secrets: secrets)
        let message = safeMessage(error.message, secrets: secrets)
        let detail = head + code + (message.isEmpty ? "" : ": " + message)
        return quotesAny(of: secrets, in: detail) ? head + withheld : detail
    }

    /// What replaces STS's words when they quote a credential.
    static let withheld = "(withheld: STS's answer quoted a credential)"

    /// STS's `Message`, on one line, at most `limit` characters; withheld when the message quotes any 12
    /// consecutive characters of a secret, token or signature sigv4-authz sent (STS does not echo them,
    /// but nothing relies on that: a hostile endpoint must not get them into a log).
    static func safeMessage(_ message: String, secrets: [String], limit: Int = 300) -> String {
        var line = String.UnicodeScalarView()
        for scalar in message.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            guard line.count < limit else { break }
            line.append(scalar)
        }
        // The whole message is searched, not only what is printed (a quote straddling the cut is found),
        // as sent and as printed (without the control characters and DEL that could split a quote).
        if quotesAny(of: secrets, in: message) || quotesAny(of: secrets, in: printableOnly(message)) {
            return withheld
        }
        return String(line)
    }

    /// STS's `Code`, quoted and printable (at most 80 characters); withheld as ``safeMessage(_:secrets:limit:)``
    /// withholds a message.
    static func safeCode(_ code: String, secrets: [String]) -> String {
        quotesAny(of: secrets, in: code) || quotesAny(of: secrets, in: printableOnly(code))
            ? withheld : CredentialAnswer.printable(code)
    }

    /// `text` without its control characters and DEL (what printing it keeps).
    static func printableOnly(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }

    /// Whether `text` holds 12 consecutive bytes (all of a shorter one) of any secret of 8 bytes or more.
    static func quotesAny(of secrets: [String], in text: String) -> Bool {
        let haystack = Array(text.utf8)
        for secret in secrets where secret.utf8.count >= 8 {
            let needle = Array(secret.utf8)
            let width = min(12, needle.count)
            guard haystack.count >= width else { continue }
            for start in 0...(needle.count - width) {
                let window = needle[start..<(start + width)]
                for offset in 0...(haystack.count - width)
                where haystack[offset] == window.first && haystack[offset..<(offset + width)].elementsEqual(window) {
                    return true
                }
            }
        }
        return false
    }
}
