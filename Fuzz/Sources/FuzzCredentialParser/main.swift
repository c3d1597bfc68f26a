// Property fuzz target of SigV4's credential parser: the fuzzer's bytes choose a request (an
// Authorization header assembled from realistic and broken pieces, presigned query parameters in
// every spelling, date and token headers, raw bytes spliced in anywhere), and
// RequestAuthentication(parsing:) must not crash or hang, must give the same result twice, and what it
// accepts must hold: a header credential's fields are substrings of the header, its syntax is what
// the parser promises (access key id, scope, sorted SignedHeaders, lower-case hex signature), and
// the same credential written back as a canonical Authorization header parses to the same fields.
// Error messages never contain the signature. (It was the differential target of the rewrite over
// raw bytes against the legacy parser until 10,000,000 executions found no difference.)
import FuzzDriver

@testable import SigV4

/// Reads choices from the fuzzer's bytes; zeros once they run out.
struct Choices {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(byte()) % n }

    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }

    var exhausted: Bool { position >= bytes.count }

    /// A piece of text: usually one of `values`, sometimes raw bytes, sometimes mutated.
    mutating func text(_ values: [String]) -> String {
        let choice = byte()
        switch choice % 16 {
        case 0:
            return raw()
        case 1, 2:
            return mutate(pick(values))
        default:
            return pick(values)
        }
    }

    /// Up to 24 raw bytes (decoded as UTF-8, invalid sequences becoming U+FFFD).
    mutating func raw() -> String {
        let count = below(25)
        var out: [UInt8] = []
        for _ in 0..<count { out.append(byte()) }
        return String(decoding: out, as: UTF8.self)
    }

    /// `text` with one edit: a byte replaced, inserted or removed, a case flipped, or a length change.
    mutating func mutate(_ text: String) -> String {
        var utf8 = Array(text.utf8)
        let position = utf8.isEmpty ? 0 : below(utf8.count + 1)
        switch below(8) {
        case 0 where position < utf8.count:
            utf8[position] = pick(Self.interesting)
        case 1:
            utf8.insert(pick(Self.interesting), at: min(position, utf8.count))
        case 2 where position < utf8.count:
            utf8.remove(at: position)
        case 3 where position < utf8.count:
            let byte = utf8[position]
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { utf8[position] = byte ^ 0x20 }
        case 4 where below(4) == 0:
            // Lengths around the limits.
            let extra = pick([1, 2, 63, 64, 65, 127, 128, 129, 8190, 8192, 8193])
            utf8.insert(
                contentsOf: repeatElement(pick([UInt8(ascii: "a"), UInt8(ascii: "A"), 0x30]), count: extra),
                at: min(position, utf8.count))
        case 5:
            utf8 = Array(utf8[..<min(position, utf8.count)])
        case 6:
            return text + pick(Self.suffixes)
        default:
            utf8.insert(byte(), at: min(position, utf8.count))
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    static let interesting: [UInt8] = [
        0x00, 0x09, 0x0A, 0x0D, 0x20, 0x7F, 0x80, 0xC3, 0xFF, UInt8(ascii: ","), UInt8(ascii: "="),
        UInt8(ascii: "/"), UInt8(ascii: ";"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "+"),
        UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "*"), UInt8(ascii: "A"), UInt8(ascii: "z"),
        UInt8(ascii: "0"), UInt8(ascii: "9"), UInt8(ascii: "Q"), UInt8(ascii: "T"), UInt8(ascii: "Z"),
    ]
    static let suffixes = [" ", "\t", ",", ", ", "=", "/", ";", "%", "%2", "%41", "é", "\u{0}"]
}

enum Pools {
    static let accessKeys = [
        "AKIASP2TPHJSQH3FJRUX", "ASIAY34FZKBOKMUTVV7A", "AKIAIOSFODNN7EXAMPLE", "AKIDEXAMPLE", "A", "akia",
        String(repeating: "A", count: 128), String(repeating: "B", count: 129), "",
    ]
    static let dates = ["20260115", "20150830", "20240229", "20230229", "19691231", "2026011", "202601150", ""]
    static let regions = [
        "us-east-1", "eu-west-1", "-us", "us-", "US-EAST-1", "us_east", "", String(repeating: "r", count: 33),
    ]
    static let services = ["s3", "dynamodb", "execute-api", "iam", "S3", "-s3", "", String(repeating: "s", count: 65)]
    static let terminators = ["aws4_request", "aws4_requesT", "aws4", ""]
    static let algorithms = ["AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256", "AWS", "aws4-hmac-sha256", "AWS4", ""]
    static let signedHeaders = [
        "host;x-amz-content-sha256;x-amz-date", "host;x-amz-date", "host", "date;host", "host;host",
        "x-amz-date;host", "Host;x-amz-date", "host;;x-amz-date", "host;x-amz-date;", "a!#$%&'*+-.^_`|~9",
        "host;x-amz-date;x-amz-region-set", "",
    ]
    static let signatures = [
        String(repeating: "a", count: 64), "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        String(repeating: "A", count: 64), String(repeating: "a", count: 63), String(repeating: "a", count: 65),
        "3045022100" + String(repeating: "ab", count: 30), String(repeating: "ab", count: 8),
        String(repeating: "ab", count: 72), String(repeating: "ab", count: 73), "abc", "",
    ]
    static let amzDates = [
        "20260115T120000Z", "20150830T123600Z", "20260115T240000Z", "20260115T120060Z", "20260115 120000Z",
        "20260115T120000", "20240229T000000Z", "2026-01-15T12:00:00Z", "",
    ]
    static let httpDates = [
        "Thu, 15 Jan 2026 12:00:00 GMT", "Sun, 30 Aug 2015 12:36:00 UTC", "Sun, 30 Aug 2015 12:36:00 +0000",
        "Sun, 30 Aug 2015 12:36:00 -0000", "Mon, 30 Aug 2015 12:36:00 EST", "Thu, 15 Jan 2026 12:00:00 gmt",
        "  Thu, 15 Jan 2026 12:00:00 GMT\t", "20260115T120000Z", "Thu, 15 Foo 2026 12:00:00 GMT",
        "Thu, 32 Jan 2026 12:00:00 GMT", "",
    ]
    static let regionSets = [
        "us-east-1", "us-*", "*", "us-east-1,us-west-2", " us-east-1 , eu-* ", "us-east-1,", "US", "",
    ]
    static let expires = ["1", "3600", "604800", "604801", "0", "-1", "0003600", "1234567", "36OO", ""]
    static let tokens = ["FwoGZXIvYXdzEJr", "token with spaces", ""]
    static let queryNames = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
        "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Region-Set", "AWSAccessKeyId", "x-amz-credential",
        "X-AMZ-DATE", "X-Amz-%41lgorithm", "X-Amz-Credential%00", "awsaccesskeyid", "versionId", "x-id", "Signature",
        "Expires", "%58-Amz-Date",
    ]
    static let plainValues = ["GetObject", "1", "", "a%20b", "%zz", "x+y"]
    static let headerNames = [
        "authorization", "Authorization", "AUTHORIZATION", "x-amz-date", "X-Amz-Date", "date", "Date",
        "x-amz-security-token", "X-Amz-Security-Token", "x-amz-region-set", "X-Amz-Region-Set", "host",
        "x-amz-content-sha256", "authorizatio", "x-amz-date ",
    ]
}

extension Choices {
    mutating func credential() -> String {
        if below(8) == 0 { return text(["AKIASP2TPHJSQH3FJRUX/20260115/us-east-1/s3/aws4_request"]) }
        var parts = [
            text(Pools.accessKeys), text(Pools.dates), text(Pools.regions), text(Pools.services),
            text(Pools.terminators),
        ]
        switch below(6) {
        case 0: parts.remove(at: 2)  // SigV4a form
        case 1: parts.removeLast(below(5))
        case 2: parts.append(text(Pools.terminators))
        default: break
        }
        return parts.joined(separator: pick(["/", "/", "/", "/", "%2F", "//"]))
    }

    mutating func authorization() -> String {
        if below(16) == 0 { return raw() }
        var out = text(Pools.algorithms) + pick([" ", " ", "  ", "\t", "", " \t"])
        if out.hasPrefix("AWS ") && below(2) == 0 {
            return out + text(Pools.accessKeys) + pick([":", ":", "", ":sig", "::"]) + text(["c2ln", ""])
        }
        let count = below(5)
        for index in 0..<count {
            if index > 0 { out += pick([",", ", ", " ,", ",  ", ",,", " , ", ",\t"]) }
            switch below(8) {
            case 0, 1: out += pick(["Credential", "credential", "Credential", "Credential "]) + "=" + credential()
            case 2, 3:
                out += pick(["SignedHeaders", "SignedHeaders", "signedheaders"]) + "=" + text(Pools.signedHeaders)
            case 4, 5: out += pick(["Signature", "Signature", "Sig"]) + "=" + text(Pools.signatures)
            case 6: out += raw()
            default: out += pick(["Credential", "SignedHeaders", "Signature", "Foo", ""]) + pick(["=", "", "=="])
            }
        }
        if count == 0 {
            out +=
                "Credential=\(credential()), SignedHeaders=\(text(Pools.signedHeaders)), Signature=\(text(Pools.signatures))"
        }
        return below(16) == 0 ? mutate(out) : out
    }

    /// A value percent-encoded in one of several ways.
    mutating func encoded(_ value: String) -> String {
        switch below(4) {
        case 0:
            var out = ""
            for byte in value.utf8 {
                let isUnreserved =
                    (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "~")
                if isUnreserved {
                    out.unicodeScalars.append(UnicodeScalar(byte))
                } else {
                    let hex = Array("0123456789ABCDEF".utf8)
                    out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
                }
            }
            return out
        case 1: return value.replacingSlashes()
        default: return value
        }
    }

    mutating func queryParameter() -> String {
        let name = text(Pools.queryNames)
        let value: String
        switch below(12) {
        case 0: value = text(Pools.algorithms)
        case 1: value = credential()
        case 2: value = text(Pools.amzDates)
        case 3: value = text(Pools.expires)
        case 4: value = text(Pools.signedHeaders)
        case 5: value = text(Pools.signatures)
        case 6: value = text(Pools.tokens)
        case 7: value = text(Pools.regionSets)
        case 8: value = text(Pools.accessKeys)
        case 9: value = raw()
        default: value = text(Pools.plainValues)
        }
        return below(10) == 0 ? name : name + "=" + encoded(value)
    }

    /// A presigned query: the usual parameters in order, or a random list.
    mutating func query() -> String {
        switch below(4) {
        case 0:
            return ""
        case 1:
            var parameters: [String] = []
            for _ in 0..<below(6) { parameters.append(queryParameter()) }
            return parameters.joined(separator: pick(["&", "&", "&&", ";"]))
        default:
            let algorithm = below(4) == 0 ? "AWS4-ECDSA-P256-SHA256" : "AWS4-HMAC-SHA256"
            var parameters = [
                "X-Amz-Algorithm=" + encoded(text([algorithm])),
                "X-Amz-Credential=" + encoded(credential()),
                "X-Amz-Date=" + encoded(text(Pools.amzDates)),
                "X-Amz-Expires=" + text(Pools.expires),
                "X-Amz-SignedHeaders=" + encoded(text(Pools.signedHeaders)),
                "X-Amz-Signature=" + text(Pools.signatures),
            ]
            if below(3) == 0 { parameters.append("X-Amz-Security-Token=" + encoded(text(Pools.tokens))) }
            if algorithm != "AWS4-HMAC-SHA256" || below(4) == 0 {
                parameters.append("X-Amz-Region-Set=" + encoded(text(Pools.regionSets)))
            }
            for _ in 0..<below(3) {
                parameters.insert(queryParameter(), at: below(parameters.count + 1))
            }
            if below(4) == 0 { parameters.remove(at: below(parameters.count)) }
            if below(4) == 0 { parameters.swapAt(below(parameters.count), below(parameters.count)) }
            return parameters.joined(separator: "&")
        }
    }

    mutating func request() -> SigV4Request {
        var headers = [HeaderField("Host", "s3.us-east-1.amazonaws.com")]
        let wantsHeader = below(3) != 0
        let rawQuery = query()
        if wantsHeader { headers.append(HeaderField(pick(["Authorization", "authorization"]), authorization())) }
        if below(4) != 0 { headers.append(HeaderField("X-Amz-Date", text(Pools.amzDates))) }
        if below(4) == 0 { headers.append(HeaderField("Date", text(Pools.httpDates))) }
        if below(4) == 0 { headers.append(HeaderField("X-Amz-Security-Token", text(Pools.tokens))) }
        if below(3) == 0 { headers.append(HeaderField("X-Amz-Region-Set", text(Pools.regionSets))) }
        // Extra headers: duplicates, case variants.
        for _ in 0..<below(4) {
            let name = text(Pools.headerNames)
            let value: String
            switch below(6) {
            case 0: value = authorization()
            case 1: value = text(Pools.amzDates)
            case 2: value = text(Pools.httpDates)
            case 3: value = text(Pools.regionSets)
            case 4: value = text(Pools.tokens)
            default: value = raw()
            }
            headers.insert(HeaderField(name, value), at: below(headers.count + 1))
        }
        return SigV4Request(method: "GET", rawPath: "/bucket/key", rawQuery: rawQuery, headers: headers)
    }
}

extension String {
    fileprivate func replacingSlashes() -> String {
        var out = ""
        for character in self { out += character == "/" ? "%2f" : String(character) }
        return out
    }
}

/// Everything the product can observe of a parse: every field of the result, or the error.
func describe(_ result: Result<RequestAuthentication, SigV4Error>) -> String {
    switch result {
    case .failure(let error):
        return "error \(error.code) \(error.category) \(error.message)"
    case .success(.anonymous):
        return "anonymous"
    case .success(.sigV2(let accessKeyID, let location)):
        return "sigV2 \(accessKeyID.debugDescription) \(location)"
    case .success(.sigV4(let c)):
        return """
            sigV4 \(c.algorithm) \(c.location) akid=\(c.accessKeyID.debugDescription) \
            scope=\(c.scope.date.debugDescription)/\(c.scope.region.debugDescription)/\(c.scope.service.debugDescription) \
            string=\(c.scope.string.debugDescription) \
            signed=\(c.signedHeaders.debugDescription) sig=\(c.signature.debugDescription) \
            time=\(c.timestamp.secondsSinceEpoch) \(c.timestamp.iso8601Basic.debugDescription) \
            date=\(c.timestamp.date.debugDescription) \(c.timestampSource) \
            expires=\(String(describing: c.expires)) token=\(c.hasSessionToken) regions=\(c.regionSet) \
            names=\(c.signedHeaderNames)
            """
    }
}

/// Whether `needle` occurs in `haystack` (bytes).
func occurs(_ needle: Substring, in haystack: String) -> Bool {
    let n = Array(needle.utf8)
    let h = Array(haystack.utf8)
    guard n.count <= h.count else { return false }
    if n.isEmpty { return true }
    for start in 0...(h.count - n.count) where h[start..<(start + n.count)].elementsEqual(n) { return true }
    return false
}

func isLowerHex(_ text: Substring) -> Bool {
    text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
}

/// What a header credential must hold, and that it survives being written back.
func checkHeaderCredential(_ c: SigV4Credential, request: SigV4Request) {
    let header = request.headers.first { $0.hasName("authorization") }?.value ?? ""
    for field in [c.accessKeyID, c.scope.date, c.scope.region, c.scope.service, c.signedHeaders, c.signature] {
        precondition(
            occurs(field, in: header), "\(field.debugDescription) is not in the header \(header.debugDescription)")
    }
    precondition(
        (1...128).contains(c.accessKeyID.utf8.count)
            && c.accessKeyID.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) },
        "access key id \(c.accessKeyID.debugDescription)")
    precondition(c.scope.date == c.timestamp.date, "scope date \(c.scope.date) is not \(c.timestamp.date)")
    precondition(isLowerHex(c.signature), "signature is not lower-case hex")
    let names = c.signedHeaderNames
    precondition(
        !names.isEmpty && zip(names, names.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) },
        "SignedHeaders \(c.signedHeaders.debugDescription) is not strictly ascending")
    precondition((c.algorithm == .hmacSHA256) == !c.scope.region.isEmpty, "region and algorithm disagree")

    // Written back canonically, the credential reads the same.
    var canonical = request
    canonical.headers = request.headers.map { field in
        guard field.hasName("authorization") else { return field }
        return HeaderField(
            field.name,
            "\(c.algorithm.rawValue) Credential=\(c.accessKeyID)/\(c.scope.string), SignedHeaders=\(c.signedHeaders), Signature=\(c.signature)"
        )
    }
    guard case .sigV4(let again) = try? RequestAuthentication(parsing: canonical) else {
        fatalError("the canonical form of an accepted header does not parse")
    }
    precondition(
        again.accessKeyID == c.accessKeyID && again.scope == c.scope && again.signedHeaders == c.signedHeaders
            && again.signature == c.signature && again.timestamp == c.timestamp
            && again.timestampSource == c.timestampSource && again.hasSessionToken == c.hasSessionToken
            && again.regionSet == c.regionSet,
        "the canonical form parses differently: \(describe(.success(.sigV4(again))))")
}

/// The signature-like values of a request (Signature= in the header, X-Amz-Signature= in the query).
func signatures(of request: SigV4Request) -> [Substring] {
    var found: [Substring] = []
    for text in request.headers.map(\.value) + [request.rawQuery] {
        for marker in ["Signature=", "X-Amz-Signature="] {
            var rest = Substring(text)
            while let range = rest.firstRange(of: marker) {
                let value = rest[range.upperBound...].prefix { $0 != "," && $0 != "&" && $0 != " " }
                // A signature is hex; a value such as "AWS4-HMAC-SHA256" may be quoted by a message's fixed text.
                if value.utf8.count >= 16,
                    isLowerHex(value) || value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 || $0 >= 0x41 && $0 <= 0x46 })
                {
                    found.append(value)
                }
                rest = rest[range.upperBound...]
            }
        }
    }
    return found
}

FuzzDriver.run { bytes in
    var choices = Choices(bytes: bytes)
    let request = choices.request()
    let first = Result { () throws(SigV4Error) in try RequestAuthentication(parsing: request) }
    let second = Result { () throws(SigV4Error) in try RequestAuthentication(parsing: request) }
    precondition(describe(first) == describe(second), "two parses differ: \(describe(first)) / \(describe(second))")
    switch first {
    case .success(.sigV4(let credential)) where credential.location == .header:
        checkHeaderCredential(credential, request: request)
    case .success(.sigV4(let credential)):
        precondition(isLowerHex(credential.signature), "signature is not lower-case hex")
        precondition(credential.scope.date == credential.timestamp.date, "scope date is not the request date")
        precondition((1...604_800).contains(credential.expires ?? 0), "expires out of range")
    case .failure(let error):
        for signature in signatures(of: request) {
            precondition(!occurs(signature, in: error.message), "the error message holds a signature: \(error.message)")
        }
    default:
        break
    }
}
