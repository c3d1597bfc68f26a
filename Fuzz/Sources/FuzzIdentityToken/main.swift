// Property fuzz target of the identity token reader and STS's answer reader (Sources/IAMIdentity):
// a token is whatever a caller sends, STS's answer whatever a spoofed or compromised endpoint says.
// The input is TOKEN NUL STATUS ANSWER: the bytes before the first NUL are the token's text, the byte
// after it picks the HTTP status (200 more often than the others), the rest is the answer's body.
// Without a NUL the whole input is the token (and the answer is not read).
// Properties beyond "no crash, no hang":
// - the same answer twice (IdentityToken.parse, CallerIdentityAnswer.outcome);
// - a parsed token names an STS host (sts.… / sts-fips.…, lower case), its query is printable ASCII
//   without `#`, its account is the one its key id encodes, and its url, encoded again as a token
//   (k8s-aws-v1. + base64url), parses to the same fields (host, query, region, partition, key id,
//   account, signedAt, expiresAt);
// - an error's sentence is not empty and never holds the token's X-Amz-Signature or
//   X-Amz-Security-Token value;
// - the answer reader never returns .verified but for status 200, and a verified identity's Account is
//   12 digits and equals the account field of its Arn (arn:aws…:iam|sts::ACCOUNT:…), its UserId is
//   1…128 printable bytes.
import AWSClassifier
import FuzzDriver
import IAMIdentity
import SigV4

let now: Int64 = 1_773_480_413  // 2026-03-14T09:26:53Z, the time of the committed oracle tokens
let statuses = [200, 200, 200, 200, 403, 400, 429, 500, 503, 302]

func fail(_ what: String, _ input: String) -> Never {
    fatalError("\(what)\ninput: \(input.debugDescription)")
}

guard let model = try? AWSModel.bundled() else { fatalError("the bundled AWS model does not load") }
let rules = IdentityTokenRules(
    audience: "orders", partitions: ["aws", "aws-cn", "aws-us-gov"].compactMap { model.partition(id: $0) })

func base64URL(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
        let chunk = bytes[index..<min(index + 3, bytes.count)]
        var group: UInt32 = 0
        for (offset, byte) in chunk.enumerated() { group |= UInt32(byte) << (16 - 8 * UInt32(offset)) }
        for symbol in 0...chunk.count { out.append(alphabet[Int(group >> (18 - 6 * UInt32(symbol)) & 63)]) }
        index += 3
    }
    return String(decoding: out, as: UTF8.self)
}

/// The value of `name` in `query` as it stands in the URL, if present.
func rawValue(_ name: String, in query: String) -> String? {
    for piece in query.split(separator: "&") where piece.hasPrefix(name + "=") {
        return String(piece.dropFirst(name.count + 1))
    }
    return nil
}

func fields(_ token: IdentityToken) -> [String] {
    [
        token.host, token.query, token.region, token.partition, token.accessKeyID, token.account.description,
        String(token.signedAt), String(token.expiresAt), token.audience, token.audienceHeader,
    ]
}

func checkToken(_ text: String) {
    let first = Result { () throws(IdentityTokenError) in
        try IdentityToken.parse(Substring(text), rules: rules, now: now)
    }
    let second = Result { () throws(IdentityTokenError) in
        try IdentityToken.parse(Substring(text), rules: rules, now: now)
    }
    switch (first, second) {
    case (.success(let a), .success(let b)):
        guard fields(a) == fields(b), a.digest == b.digest else { fail("two readings of the token differ", text) }
    case (.failure(let a), .failure(let b)):
        guard a == b, a.message == b.message else { fail("two refusals of the token differ", text) }
    default:
        fail("one reading accepts the token, the other refuses it", text)
    }
    switch first {
    case .success(let token):
        guard token.host.hasPrefix("sts.") || token.host.hasPrefix("sts-fips."), token.host == token.host.lowercased()
        else { fail("a parsed token names a host that is not STS's", text) }
        guard token.query.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "#") }) else {
            fail("a parsed token's query has bytes it must not", text)
        }
        guard let derived = try? AWSAccountID(accessKeyID: token.accessKeyID), derived == token.account else {
            fail("a parsed token's account is not its key id's", text)
        }
        let again = "k8s-aws-v1." + base64URL(Array(token.url.utf8))
        guard let reparsed = try? IdentityToken.parse(Substring(again), rules: rules, now: now) else {
            fail("a parsed token's url, encoded again, is refused", text)
        }
        guard fields(reparsed) == fields(token) else { fail("a parsed token's url reads to other fields", text) }
    case .failure(let error):
        guard !error.message.isEmpty else { fail("a refusal without a sentence", text) }
        // The token's secrets-bearing values, when the text decodes to a URL that has them.
        let body = text.dropFirst("k8s-aws-v1.".count)
        var padded = String(body.filter { $0 != "=" })
        while padded.utf8.count % 4 != 0 { padded += "=" }
        if let url = decodeBase64URL(padded) {
            let query = url.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            for name in ["X-Amz-Signature", "X-Amz-Security-Token"] {
                if let value = rawValue(name, in: query), value.utf8.count >= 8, error.message.contains(value) {
                    fail("a refusal's sentence holds the token's \(name)", text)
                }
            }
        }
    }
}

/// base64url with padding decoded leniently (for the property check only; nil when not base64url).
func decodeBase64URL(_ text: String) -> String? {
    var out: [UInt8] = []
    var accumulator: UInt32 = 0
    var bits = 0
    for byte in text.utf8 {
        if byte == UInt8(ascii: "=") { break }
        let value: UInt32
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(byte - 65)
        case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(byte - 97 + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(byte - 48 + 52)
        case UInt8(ascii: "-"): value = 62
        case UInt8(ascii: "_"): value = 63
        default: return nil
        }
        accumulator = (accumulator << 6 | value) & 0xFFFFFF
        bits += 6
        if bits >= 8 {
            bits -= 8
            out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
        }
    }
    return String(decoding: out, as: UTF8.self)
}

func checkAnswer(status: Int, body: [UInt8]) {
    let text = String(decoding: body, as: UTF8.self)
    let outcome = CallerIdentityAnswer.outcome(status: status, body: body)
    guard outcome == CallerIdentityAnswer.outcome(status: status, body: body) else {
        fail("two readings of the answer differ", text)
    }
    switch outcome {
    case .verified(let identity):
        guard status == 200 else { fail("an answer with status \(status) verified an identity", text) }
        guard identity.account.utf8.count == 12, identity.account.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { fail("a verified Account is not 12 digits", text) }
        let parts = identity.arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam" || parts[2] == "sts",
            parts[3].isEmpty, parts[4] == identity.account
        else { fail("a verified Arn does not name the Account", text) }
        guard (1...128).contains(identity.userID.utf8.count),
            identity.userID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { fail("a verified UserId is not 1…128 printable bytes", text) }
        guard !identity.matchableARNs.isEmpty, identity.matchableARNs[0] == identity.arn else {
            fail("matchableARNs does not start with the Arn", text)
        }
    case .refused(let sentence), .unavailable(let sentence):
        guard !sentence.isEmpty else { fail("an outcome without a sentence", text) }
    }
}

FuzzDriver.run { bytes in
    let input = Array(bytes)
    guard let separator = input.firstIndex(of: 0) else {
        checkToken(String(decoding: input, as: UTF8.self))
        return
    }
    checkToken(String(decoding: input[..<separator], as: UTF8.self))
    let rest = input[(separator + 1)...]
    guard let statusByte = rest.first else { return }
    checkAnswer(status: statuses[Int(statusByte) % statuses.count], body: Array(rest.dropFirst()))
}
