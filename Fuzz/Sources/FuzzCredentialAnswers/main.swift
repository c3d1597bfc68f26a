// Property fuzz target of the parsers of credential answers (Sources/AWSCredentials): what STS, the
// container endpoint and IMDS answer is hostile input when the endpoint is spoofed or compromised.
// The input's first byte picks what the rest is:
//   0  an STS XML answer, as is: STSAnswer.leaves(of:), assumedRole(from:action:subject:), error(from:);
//   1  a container/IMDS JSON answer, as is: CredentialAnswer.credentials(from:requireCode:requireToken:what:);
//   2  an ISO 8601 time: Timestamp.seconds(iso8601:), against an independent reading through timegm(3);
//   3  an endpoint URL: EndpointURL(_:);
//   4  fields (split at NUL) put into an STS AssumeRole answer, or an STS error answer, around a known
//      secret and session token (marker values) — the error sentences must not carry them;
//   5  the same fields in a container/IMDS JSON answer;
//   6  eight bytes of seconds since the epoch: Timestamp.iso8601(seconds:) read back.
// Properties beyond "no crash, no hang":
// - the same answer twice (every parser);
// - accepted credentials come from where the answer puts them: the access key id, secret and token
//   are the leaves at their paths (XML) and, when the input has no escape (`&` in XML, `\` in JSON),
//   substrings of it (XML: with its line ends read as XML 1.0 section 2.11 reads them, CR LF and CR as
//   LF; JSON: whole string literals); the key id and token are printable ASCII without
//   spaces; the expiry is Timestamp.seconds of the answer's Expiration;
// - Timestamp accepts exactly the strings the independent reading accepts, with the same value, and
//   iso8601(seconds(x)) reads back to the same value (for times it can print: 1970…9999 UTC);
// - an accepted EndpointURL has an http(s) scheme, a non-empty host without user info, a port in
//   1…65535, a path starting with `/`, and its description reads back to the same URL;
// - a CredentialError's message never holds the answer's secret or session token (markers), and the
//   sentence sigv4-authz builds from an STS error answer (STSClient.errorDetail, what
//   STSClient.exchange logs) never holds a secret it sent, nor a 16-character prefix of one (D-F1, D-F2
//   in the history: Code printed unchecked, Message checked only in its first 300 characters; then the
//   quote put around the Code completing a secret that ends in `'`).
import Foundation
import FuzzDriver
import SigV4

@testable import AWSCredentials

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let secretMarker = "SeCrEtMaRkEr"
let tokenMarker = "ToKeNmArKeR"
let signatureSent = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
let subject = "arn:aws:iam::123456789012:role/fuzz"

func fail(_ what: String, _ input: String) -> Never {
    fatalError("\(what)\ninput: \(input.debugDescription)")
}

// MARK: - STS XML

/// `body` as an XML reader sees its line ends (XML 1.0 section 2.11): CR LF and a lone CR read as LF.
func xmlLineEndsRead(_ body: [UInt8]) -> String {
    var read: [UInt8] = []
    read.reserveCapacity(body.count)
    var index = 0
    while index < body.count {
        if body[index] == 0x0D {
            read.append(0x0A)
            if index + 1 < body.count, body[index + 1] == 0x0A { index += 1 }
        } else {
            read.append(body[index])
        }
        index += 1
    }
    return String(decoding: read, as: UTF8.self)
}

let actions = ["AssumeRole", "AssumeRoleWithWebIdentity"]

func checkSTS(_ body: [UInt8], action: String, secrets: [String]) {
    let text = String(decoding: body, as: UTF8.self)
    let leaves = STSAnswer.leaves(of: body)
    guard leaves == STSAnswer.leaves(of: body) else { fail("two readings of the leaves differ", text) }
    let first = Result { () throws(CredentialError) in
        try STSAnswer.assumedRole(from: body, action: action, subject: subject)
    }
    let second = Result { () throws(CredentialError) in
        try STSAnswer.assumedRole(from: body, action: action, subject: subject)
    }
    guard first == second else { fail("two readings of the answer differ", text) }
    let result = "\(action)Response/\(action)Result"
    switch first {
    case .success(let role):
        guard let leaves else { fail("an answer accepted whose leaves are not read", text) }
        let credentials = role.credentials
        guard credentials.accessKeyID == leaves["\(result)/Credentials/AccessKeyId"],
            credentials.secretAccessKey == leaves["\(result)/Credentials/SecretAccessKey"],
            credentials.sessionToken == leaves["\(result)/Credentials/SessionToken"],
            role.assumedRoleARN == leaves["\(result)/AssumedRoleUser/Arn"],
            role.assumedRoleID == leaves["\(result)/AssumedRoleUser/AssumedRoleId"]
        else { fail("accepted credentials are not the leaves at their paths", text) }
        guard let expiration = leaves["\(result)/Credentials/Expiration"],
            credentials.expiration == Timestamp.seconds(iso8601: expiration), credentials.expiration != nil
        else { fail("the expiry is not the Expiration read", text) }
        if !text.contains("&") {
            // XML 1.0 section 2.11: an XML reader reads CR LF and a lone CR as LF (expat, which botocore
            // reads STS with, does too), so a value is a substring of the answer with its line ends read so.
            let read = xmlLineEndsRead(body)
            for value in [credentials.accessKeyID, credentials.secretAccessKey, credentials.sessionToken ?? ""]
            where !read.contains(value) {
                fail("an accepted value is not in the answer: \(value.debugDescription)", text)
            }
        }
        guard CredentialAnswer.isHeaderToken(credentials.accessKeyID),
            CredentialAnswer.isHeaderToken(credentials.sessionToken ?? ""), !credentials.secretAccessKey.isEmpty
        else { fail("accepted credentials that cannot be sent", text) }
    case .failure(let error):
        for secret in secrets where error.message.contains(secret) {
            fail("the error sentence holds a secret: \(error.message.debugDescription)", text)
        }
    }
    // An error answer, as STSClient turns it into a sentence.
    let error = STSAnswer.error(from: body)
    guard error?.code == STSAnswer.error(from: body)?.code,
        error?.message == STSAnswer.error(from: body)?.message
    else { fail("two readings of the error differ", text) }
    if let error {
        guard !error.code.isEmpty else { fail("an error without a code", text) }
        let sent = secrets + [signatureSent]
        let message = STSClient.safeMessage(error.message, secrets: sent)
        // The sentence STSClient.exchange logs.
        let sentence = STSClient.errorDetail(
            action: action, subject: subject, status: 403, error: error, secrets: sent)
        guard message.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }),
            message.unicodeScalars.count <= 300
        else { fail("safeMessage is not one short line: \(message.debugDescription)", text) }
        for secret in sent where sentence.contains(secret) {
            fail("the STS error sentence holds a secret sent: \(sentence.debugDescription)", text)
        }
        for secret in sent where secret.utf8.count >= 16 && sentence.contains(secret.prefix(16)) {
            fail("the STS error sentence holds a secret's prefix: \(sentence.debugDescription)", text)
        }
    }
}

// MARK: - container / IMDS JSON

let what = "the container credentials endpoint"

func checkJSON(_ body: [UInt8], requireCode: Bool, requireToken: Bool, secrets: [String]) {
    let text = String(decoding: body, as: UTF8.self)
    let read = { () -> Result<SigningCredentials, CredentialError> in
        Result { () throws(CredentialError) in
            try CredentialAnswer.credentials(
                from: body, requireCode: requireCode, requireToken: requireToken, what: what)
        }
    }
    let first = read()
    guard first == read() else { fail("two readings of the answer differ", text) }
    switch first {
    case .success(let credentials):
        guard CredentialAnswer.isHeaderToken(credentials.accessKeyID), !credentials.secretAccessKey.isEmpty,
            credentials.sessionToken.map(CredentialAnswer.isHeaderToken) ?? !requireToken,
            credentials.expiration != nil
        else { fail("accepted credentials that cannot be sent", text) }
        if !text.contains("\\") {
            for value in [credentials.accessKeyID, credentials.secretAccessKey, credentials.sessionToken]
            where value != nil && !text.contains("\"\(value ?? "")\"") {
                fail("an accepted value is not a string of the answer: \(String(describing: value))", text)
            }
        }
    case .failure(let error):
        for secret in secrets where error.message.contains(secret) {
            fail("the error sentence holds a secret: \(error.message.debugDescription)", text)
        }
    }
}

// MARK: - ISO 8601

/// The Gregorian calendar in UTC: the oracle of `referenceSeconds`. (Not libc's `timegm` and `struct tm`:
/// which C module Swift takes as `tm`'s defining module varies between builds, and
/// `MemberImportVisibility` then refuses its fields now and then.)
let utcCalendar: Calendar = {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .gmt
    return calendar
}()

/// An independent reading of `YYYY-MM-DDTHH:MM:SS[.1-9 digits](Z|±HH:MM)`, 1970…9999, through
/// Foundation's calendar.
func referenceSeconds(_ text: String) -> Int64? {
    let b = Array(text.utf8)
    func digits(_ range: Range<Int>) -> Int? {
        guard range.upperBound <= b.count else { return nil }
        var n = 0
        for i in range {
            guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
            n = n * 10 + Int(b[i] - 0x30)
        }
        return n
    }
    let pattern = Array("dddd-dd-ddTdd:dd:dd".utf8)
    guard b.count > pattern.count else { return nil }
    for (i, p) in pattern.enumerated() {
        switch p {
        case UInt8(ascii: "d"): guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
        case UInt8(ascii: "T"): guard b[i] == p || b[i] == UInt8(ascii: "t") else { return nil }
        default: guard b[i] == p else { return nil }
        }
    }
    var rest = b[19...]
    if rest.first == UInt8(ascii: ".") {
        let fraction = rest.dropFirst().prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard (1...9).contains(fraction.count) else { return nil }
        rest = rest.dropFirst(1 + fraction.count)
    }
    var offset = 0
    if rest.elementsEqual([UInt8(ascii: "Z")]) || rest.elementsEqual([UInt8(ascii: "z")]) {
        offset = 0
    } else if rest.count == 6, let sign = rest.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
        rest[rest.startIndex + 3] == UInt8(ascii: ":"),
        let h = digits((rest.startIndex + 1)..<(rest.startIndex + 3)),
        let m = digits((rest.startIndex + 4)..<(rest.startIndex + 6)), h < 24, m < 60
    {
        offset = (h * 60 + m) * 60 * (sign == UInt8(ascii: "+") ? 1 : -1)
    } else {
        return nil
    }
    guard let year = digits(0..<4), let month = digits(5..<7), let day = digits(8..<10), let hour = digits(11..<13),
        let minute = digits(14..<16), let second = digits(17..<19), year >= 1970, hour < 24, minute < 60,
        second < 60, (1...12).contains(month), day >= 1
    else { return nil }
    // Foundation's proleptic Gregorian calendar (ICU underneath), not the product's civil-time code.
    // It normalizes (February 30 → March 2): a real date reads back unchanged.
    let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    guard let date = utcCalendar.date(from: components) else { return nil }
    let back = utcCalendar.dateComponents([.year, .month, .day], from: date)
    guard back.year == year, back.month == month, back.day == day else { return nil }
    let time = date.timeIntervalSince1970
    guard time == time.rounded() else { return nil }
    return Int64(time) - Int64(offset)
}

/// The largest time iso8601(seconds:) prints with a four-digit year: 9999-12-31T23:59:59Z.
let lastPrintable: Int64 = 253_402_300_799

func checkTimestamp(_ text: String) {
    let value = Timestamp.seconds(iso8601: text)
    guard value == Timestamp.seconds(iso8601: text) else { fail("two readings of a time differ", text) }
    let reference = referenceSeconds(text)
    guard value == reference else {
        fail("Timestamp reads \(String(describing: value)), timegm \(String(describing: reference))", text)
    }
    if let value, (0...lastPrintable).contains(value) {
        let printed = Timestamp.iso8601(seconds: value)
        guard Timestamp.seconds(iso8601: printed) == value else {
            fail("\(value) prints as \(printed.debugDescription), which does not read back", text)
        }
    }
}

func checkPrinting(_ seconds: Int64) {
    let printed = Timestamp.iso8601(seconds: seconds)
    let back = Timestamp.seconds(iso8601: printed)
    if (0...lastPrintable).contains(seconds) {
        guard back == seconds, referenceSeconds(printed) == seconds else {
            fail("\(seconds) prints as \(printed.debugDescription), read back \(String(describing: back))", printed)
        }
    } else if seconds >= -lastPrintable {
        // Outside 1970…9999 UTC the printed time is refused, never read as another time.
        guard back == nil else { fail("\(seconds) prints as a time read as \(String(describing: back))", printed) }
    }
}

// MARK: - endpoint URLs

func checkURL(_ text: String) {
    let url = EndpointURL(text)
    guard url == EndpointURL(text) else { fail("two readings of a URL differ", text) }
    guard let url else { return }
    guard url.scheme == "http" || url.scheme == "https", !url.host.isEmpty, !url.host.contains("@"),
        url.port.map({ (1...65_535).contains($0) }) ?? true, url.path.hasPrefix("/"), !url.path.contains("?"),
        !text.contains("#"), text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
    else { fail("an accepted URL breaks its rules: \(url)", text) }
    guard let again = EndpointURL(url.description) else {
        fail("the URL's description \(url.description.debugDescription) is refused", text)
    }
    let defaultPort = url.scheme == "https" ? 443 : 80
    guard again.scheme == url.scheme, again.host == url.host, again.path == url.path, again.query == url.query,
        (again.port ?? defaultPort) == (url.port ?? defaultPort), again.hostHeader == url.hostHeader
    else { fail("\(url.description.debugDescription) reads back as another URL: \(again)", text) }
    let appended = url.appending(path: "/latest/api/token")
    guard appended.path.hasPrefix("/"), appended.query.isEmpty, appended.host == url.host,
        EndpointURL(appended.description) != nil
    else { fail("appending a path breaks the URL: \(appended)", text) }
    _ = url.canonicalIPAddress
}

// MARK: - templated answers

/// The input's fields: up to `count` pieces split at NUL.
func fields(_ bytes: ArraySlice<UInt8>, count: Int) -> [String] {
    var pieces = bytes.split(separator: 0, maxSplits: count - 1, omittingEmptySubsequences: false).map {
        String(decoding: $0, as: UTF8.self)
    }
    while pieces.count < count { pieces.append("") }
    return pieces
}

func templatedSTS(_ flags: UInt8, _ rest: ArraySlice<UInt8>) {
    let f = fields(rest, count: 8)
    let secret = secretMarker + f[1]
    let token = tokenMarker + f[2]
    let action = actions[Int(flags >> 4) & 1]
    let body: String
    if flags & 1 == 0 {
        body = """
            <?xml version="1.0" encoding="UTF-8"?>
            <\(action)Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><\(action)Result>\
            <AssumedRoleUser><Arn>\(f[4])</Arn><AssumedRoleId>\(f[5])</AssumedRoleId></AssumedRoleUser>\
            <Credentials><AccessKeyId>\(f[0])</AccessKeyId><SecretAccessKey>\(secret)</SecretAccessKey>\
            <SessionToken>\(token)</SessionToken><Expiration>\(f[3])</Expiration></Credentials>\
            </\(action)Result><ResponseMetadata><RequestId>\(f[6])</RequestId></ResponseMetadata></\(action)Response>
            """
    } else {
        // An error answer: a hostile STS may echo what it was sent (the token, the signature).
        body = """
            <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>\
            <Code>\(f[6])</Code><Message>\(f[7])</Message></Error><RequestId>\(f[5])</RequestId></ErrorResponse>
            """
    }
    // Markers the fuzzer copied into other fields may legitimately be quoted from there, and a secret
    // with markup of its own may move its marker into another element.
    let others = [f[0], f[3], f[4], f[5], f[6], f[7]]
    let moved =
        others.contains { $0.contains(secretMarker) || $0.contains(tokenMarker) }
        || (f[1] + f[2]).contains { $0 == "<" || $0 == "&" }
    let checked = moved ? [] : [secret, token]
    checkSTS(Array(body.utf8), action: action, secrets: flags & 1 == 0 ? checked : [secret, token])
}

func templatedJSON(_ flags: UInt8, _ rest: ArraySlice<UInt8>) {
    let f = fields(rest, count: 5)
    let secret = secretMarker + f[1]
    let token = tokenMarker + f[2]
    var members: [String] = []
    if flags & 1 != 0 { members.append("\"Code\": \"\(f[4])\"") }
    members.append("\"AccessKeyId\": \"\(f[0])\"")
    if flags & 2 != 0 { members.append("\"SecretAccessKey\": \"\(secret)\"") }
    if flags & 4 != 0 { members.append("\"Token\": \"\(token)\"") }
    if flags & 8 != 0 { members.append("\"Expiration\": \"\(f[3])\"") }
    if flags & 16 != 0 { members.append("\"RoleArn\": \"\(subject)\"") }
    let body = "{" + members.joined(separator: ", ") + "}"
    let others = [f[0], f[3], f[4]]
    let moved =
        others.contains { $0.contains(secretMarker) || $0.contains(tokenMarker) }
        || (f[1] + f[2]).contains { $0 == "\"" || $0 == "\\" }
    let checked = moved ? [] : [secretMarker, tokenMarker]
    checkJSON(Array(body.utf8), requireCode: flags & 32 != 0, requireToken: flags & 64 != 0, secrets: checked)
}

// MARK: - seeds

func seeds() -> [[UInt8]] {
    var out: [[UInt8]] = []
    func add(_ kind: UInt8, _ text: String) { out.append([kind] + Array(text.utf8)) }
    add(
        0,
        """
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult>
            <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>
              <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId></AssumedRoleUser>
            <Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
              <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
              <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW</SessionToken>
              <Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>
            <PackedPolicySize>6</PackedPolicySize>
          </AssumeRoleResult>
          <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
        </AssumeRoleResponse>
        """)
    add(
        0,
        """
        <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <Error><Type>Sender</Type><Code>AccessDenied</Code>
            <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: sts:AssumeRole &amp; more</Message>
          </Error><RequestId>4f6b2f1e</RequestId>
        </ErrorResponse>
        """)
    add(
        1,
        """
        {"Code": "Success", "LastUpdated": "2026-11-30T20:00:00Z", "Type": "AWS-HMAC",
         "AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
         "Token": "IQoJb3JpZ2luX2VjEXAMPLE", "Expiration": "2026-11-30T21:00:00Z"}
        """)
    add(
        1,
        #"{"RoleArn": "arn:aws:iam::123456789012:role/x", "AccessKeyId": "ASIA\u0041", "SecretAccessKey": "s\"x", "Token": "t", "Expiration": "2011-07-15T23:28:33.359+02:00"}"#
    )
    for time in [
        "2019-11-06T21:29:39Z", "2011-07-15T23:28:33.359Z", "2024-02-29T00:00:00+05:30", "1970-01-01T00:00:00-00:01",
        "9999-12-31T23:59:59.999999999z", "2023-02-29T00:00:00Z", "2026-11-30t21:00:00+00:00",
    ] {
        add(2, time)
    }
    for url in [
        "https://sts.eu-west-1.amazonaws.com", "http://169.254.169.254/latest/api/token",
        "http://[fd00:ec2::23]:80/v1?x=1",
        "HTTPS://STS.AMAZONAWS.COM:443?Action=x", "http://169.254.170.2/v2/credentials/abc", "http://[::1]",
        "http://user@host/", "http://h:65536/",
    ] {
        add(3, url)
    }
    let time = "2026-11-30T21:00:00Z"
    // Templated STS answers (flags: bit 0 error answer, bit 4 the web identity action).
    out.append(
        [4, 0]
            + Array(
                "ASIAIOSFODNN7EXAMPLE\0/K7MDENG\0AQoDYXdzEPT\0\(time)\0arn:aws:sts::1:assumed-role/a/b\0AROA:b\0r".utf8)
    )
    out.append([4, 16] + Array("ASIA\0x\0y\0\(time)\0arn\0id\0r".utf8))
    out.append([4, 0] + Array("ASIA&amp;\0&lt;\0y\0\(time)\0arn\0id\0r".utf8))
    out.append([4, 1] + Array("\0\0\0\0\0\0AccessDenied\0not authorized".utf8))
    out.append([4, 1] + Array("\0\0\0\0\0\0Throttling\0Rate exceeded \(tokenMarker)".utf8))
    let longToken = String(repeating: "a", count: 150)
    out.append(
        [4, 1]
            + Array(
                "\0\0\(longToken)\0\0\0\0InvalidClientTokenId\0\(String(repeating: "x", count: 200))\(tokenMarker)\(longToken)"
                    .utf8))
    out.append([4, 1] + Array("\0\0\0\0\0\0\(tokenMarker)\0denied".utf8))
    // Templated JSON answers (flags: 1 Code, 2 secret, 4 token, 8 expiration, 16 RoleArn, 32/64 require Code/Token).
    out.append([5, 0x7F] + Array("ASIAIOSFODNN7EXAMPLE\0/K7MDENG\0IQoJb3\0\(time)\0Success".utf8))
    out.append([5, 0x1E] + Array("AKIA\0x\0\0\(time)\0".utf8))
    out.append([5, 0x2F] + Array("ASIA\0x\0y\0\(time)\0Failed".utf8))
    out.append([5, 0x0E] + Array("ASIA\0x\0y\0not a time\0".utf8))
    for seconds: Int64 in [0, 1_764_536_400, 951_782_400, 253_402_300_799, 253_402_300_800, -1] {
        out.append([6] + withUnsafeBytes(of: (seconds << 12).littleEndian, Array.init))
    }
    return out
}

FuzzDriver.run(seeds: seeds) { bytes in
    guard let kind = bytes.first else { return }
    let rest = Array(bytes.dropFirst())
    switch kind % 7 {
    case 0:
        checkSTS(rest, action: "AssumeRole", secrets: [])
    case 1:
        checkJSON(rest, requireCode: false, requireToken: false, secrets: [])
        checkJSON(rest, requireCode: true, requireToken: true, secrets: [])
    case 2:
        checkTimestamp(String(decoding: rest, as: UTF8.self))
    case 3:
        checkURL(String(decoding: rest, as: UTF8.self))
    case 4:
        guard let flags = rest.first else { return }
        templatedSTS(flags, rest.dropFirst())
    case 5:
        guard let flags = rest.first else { return }
        templatedJSON(flags, rest.dropFirst())
    default:
        var seconds: Int64 = 0
        for (index, byte) in rest.prefix(8).enumerated() { seconds |= Int64(byte) << (8 * index) }
        // Within ±2^51 s: iso8601(seconds:) traps near Int64.min (its inputs come from the parser,
        // bounded to 1970…9999 ± a day).
        checkPrinting(seconds >> 12)
    }
}
