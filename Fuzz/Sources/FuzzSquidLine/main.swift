// Property fuzz target of the Squid helper's line codec (Sources/AuthzSquid/SquidHelperCodec.swift).
// The input's first byte picks the helper's header list (the default list of squid.conf's FORMAT, or
// the three names of the codec's tests); the rest, up to its first newline (the helper reads lines),
// is one lookup line. Properties:
// - parsing is deterministic (the same lookup twice);
// - parse → render → parse round trip: an accepted line, written back as Squid would write the request
//   (channel, client, method, URL and one %-escaped value or `-` per header name), parses to the same
//   channel, client, method, host, target and headers;
// - the reply to the line's decision (the fixtures' engine; a refusal when the line is unreadable) is
//   one line of space-separated tokens: the channel echoed first, then OK or ERR (OK only for an allow),
//   then `key=value` tokens whose values %-decode; it never holds the request's signature.
import AuthzCore
import AuthzFixtures
import FuzzDriver
import Policy
import SigV4

@testable import AuthzSquid

let engine: AuthzEngine = {
    do { return try EngineFixtures.engine() } catch { fatalError("engine: \(error)") }
}()
let shortNames = ["Host", "Authorization", "X-Amz-Security-Token"]

/// Squid's escaping of one field: every byte but RFC 3986's unreserved ones as `%XX`; a value that is
/// exactly `-` (Squid's "absent") escaped too, so that it stays a value.
func escaped(_ text: String) -> String {
    text == "-" ? "%2D" : FuzzDriver.percentEncoded(text)
}

/// The lookup line Squid would write for `request`.
func render(channel: Substring?, _ request: AuthzRequest, names: [String]) -> String {
    var fields: [String] = []
    if let channel { fields.append(String(channel)) }
    fields.append(request.sourceAddress.map(escaped) ?? "-")
    fields.append(escaped(request.method))
    if request.method == "CONNECT", request.target == "/" {
        fields.append(escaped(request.host))
    } else {
        // The request keeps no scheme. `http://host:80` would read back as `host` (http's default
        // port), so a host that kept `:80` came from an https URL and is written back as one.
        let scheme = request.host.hasSuffix(":80") ? "https://" : "http://"
        fields.append(escaped(scheme + request.host + request.target))
    }
    for name in names {
        fields.append(
            request.headers.first { $0.name.lowercased() == name.lowercased() }.map { escaped($0.value) } ?? "-")
    }
    fields.append("-")  // %DATA
    return fields.joined(separator: " ")
}

func describe(_ lookup: SquidHelperCodec.Lookup) -> String {
    switch lookup.request {
    case .failure(let error): return "channel \(String(describing: lookup.channel)) error \(error.message)"
    case .success(let r):
        return """
            channel \(String(describing: lookup.channel)) client \(String(describing: r.sourceAddress)) \
            method \(r.method.debugDescription) host \(r.host.debugDescription) target \(r.target.debugDescription) \
            headers \(r.headers.map { "\($0.name): \($0.value.debugDescription)" })
            """
    }
}

func same(_ a: SquidHelperCodec.Lookup, _ b: SquidHelperCodec.Lookup) -> Bool {
    guard a.channel == b.channel else { return false }
    switch (a.request, b.request) {
    case (.failure(let x), .failure(let y)): return x == y
    case (.success(let x), .success(let y)):
        return x.method == y.method && x.host == y.host && x.target == y.target && x.sourceAddress == y.sourceAddress
            && x.headers.map(\.name) == y.headers.map(\.name) && x.headers.map(\.value) == y.headers.map(\.value)
            && x.headersArePartial == y.headersArePartial && x.passedHeaderNames == y.passedHeaderNames
    default: return false
    }
}

/// `%XX`-decodes a reply value; `nil` when an escape is broken.
func unescaped(_ text: Substring) -> [UInt8]? {
    var out: [UInt8] = []
    var bytes = text.utf8.makeIterator()
    while let byte = bytes.next() {
        guard byte == UInt8(ascii: "%") else {
            out.append(byte)
            continue
        }
        guard let high = bytes.next(), let low = bytes.next(),
            let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
        else { return nil }
        out.append(value)
    }
    return out
}

func check(reply: String, channel: Substring?, result: CheckResult, signature: String?) -> String? {
    if reply.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == 0 }) { return "the reply is not one line" }
    var tokens = reply.split(separator: " ", omittingEmptySubsequences: false)[...]
    if let channel {
        guard tokens.first == channel else { return "the channel is not echoed first" }
        tokens = tokens.dropFirst()
    }
    guard let verdict = tokens.first, verdict == "OK" || verdict == "ERR" else { return "no OK/ERR" }
    if verdict == "OK", result.decision.answer != .allow { return "OK for a deny" }
    if verdict == "ERR", result.decision.answer == .allow { return "ERR for an allow" }
    for token in tokens.dropFirst() {
        guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
            return "the token \(token.debugDescription) is not key=value"
        }
        guard unescaped(token[token.index(after: equals)...]) != nil else {
            return "the value of \(token.debugDescription) does not %-decode"
        }
    }
    if let signature, reply.contains(signature) { return "the reply holds the signature" }
    return nil
}

func seeds() -> [[UInt8]] {
    var lines: [(Bool, String)] = [
        (
            false,
            "12 10.0.0.7 GET http://bucket.s3.amazonaws.com/a%20b?x=1 bucket.s3.amazonaws.com AWS4-HMAC-SHA256%20Credential%3DAKIA%2Fx - -"
        ),
        (false, "::1 POST http://sts.amazonaws.com/ - - -"),
        (false, "1 - GET http%3A%2F%2Fs3.amazonaws.com%2Fk%253F - - -"),
        (false, "1 - GET http://s3.amazonaws.com:80/k - - - -"),
        (false, "1 - GET http://sqs.amazonaws.com?Action=List - - -"),
        (false, "3 10.0.0.7 CONNECT s3.amazonaws.com:443 - - -"),
        (false, "6 - GET http://s3.amazonaws.com/ s3.amazonaws.com %4 -"),
        (false, "8 - G%20T http://s3.amazonaws.com/ - - -"),
    ]
    // Signed lookups, as squid.conf's FORMAT writes them, of requests the fixtures' engine allows and denies.
    for (region, service, host, target) in [
        ("eu-west-1", "s3", "prod-data.s3.eu-west-1.amazonaws.com", "/k.txt"),
        ("us-west-2", "s3", "prod-data.s3.us-west-2.amazonaws.com", "/a%20b?versionId=1"),
        ("eu-west-1", "sts", "sts.eu-west-1.amazonaws.com", "/?Action=GetCallerIdentity&Version=2011-06-15"),
        ("eu-west-1", "secretsmanager", "secretsmanager.eu-west-1.amazonaws.com", "/"),
    ] {
        for key in ["AKIASP2TPHJSQH3FJRUX", "AKIAV7S32T2OSBFJQOIY"] {
            let (request, _) = EngineFixtures.signed(
                host: host, target: target, service: service, region: region, key: key,
                token: service == "sts" ? EngineFixtures.sessionToken : nil)
            var authz = AuthzRequest(
                method: request.method, host: host, target: target, headers: request.headers, sourceAddress: "10.0.0.7",
                mode: .squid)
            authz.headersArePartial = true
            let line = render(channel: "7", authz, names: SquidHelperCodec.defaultHeaderNames)
            lines.append((true, line))
            lines.append((false, render(channel: nil, authz, names: shortNames)))
        }
    }
    return lines.map { [UInt8($0.0 ? 0 : 1)] + Array($0.1.utf8) }
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard let first = bytes.first else { return }
    let names = first % 2 == 0 ? SquidHelperCodec.defaultHeaderNames : shortNames
    let rest = bytes.dropFirst()
    let line = String(decoding: rest.prefix { $0 != 0x0A }, as: UTF8.self)
    let lookup = SquidHelperCodec.parse(Substring(line), headerNames: names)
    var broken: String?
    var detail = ""
    if !same(lookup, SquidHelperCodec.parse(Substring(line), headerNames: names)) {
        broken = "two parses of one line differ"
    }
    let result: CheckResult
    var signature: String?
    switch lookup.request {
    case .success(let request):
        let again = render(channel: lookup.channel, request, names: names)
        let reparsed = SquidHelperCodec.parse(Substring(again), headerNames: names)
        if broken == nil, !same(lookup, reparsed) {
            broken = "parse → render → parse differs"
            detail = "rendered \(again.debugDescription)\nfirst  \(describe(lookup))\nsecond \(describe(reparsed))"
        }
        result = engine.check(request)
        if let authorization = request.headers.first(where: { $0.name == "Authorization" })?.value,
            let range = authorization.range(of: "Signature=")
        {
            let value = authorization[range.upperBound...].prefix { $0 != "," && $0 != " " }
            // A signature copied into another field may be quoted from there (the deny message
            // names a bad X-Amz-Target): only the Authorization header's own copy must not leave.
            let elsewhere = request.headers.contains { $0.name != "Authorization" && $0.value.contains(value) }
            if value.utf8.count >= 16, !elsewhere, !request.host.contains(value),
                !request.target.contains(value)
            {
                signature = String(value)
            }
        }
    case .failure(let error):
        result = engine.refuse(Refusal(reason: .internalError, message: error.message, mode: .squid))
    }
    let reply = SquidHelperCodec.reply(channel: lookup.channel, result: result)
    if broken == nil, let problem = check(reply: reply, channel: lookup.channel, result: result, signature: signature) {
        broken = problem
        detail = "reply \(reply.debugDescription)"
    }
    if let broken {
        fatalError("\(broken) for \(line.debugDescription)\n\(describe(lookup))\n\(detail)")
    }
}
