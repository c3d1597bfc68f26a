// Property fuzz target of the host classifier, over hosts built from the model's real endpoints, the
// committed vectors, partitions, FIPS / dual-stack variants, S3 shapes, ports, case, trailing dots, IP
// literals and raw bytes: no crash, and what a host's endpoint says holds — it is the same for the
// host as a String and as a Substring, for the normalized host, for its upper-case form and with a
// trailing dot and a port added; the endpoint's host is the normalized form of the input, and the
// names it takes from the host (bucket, access point, account, outpost, resource id) are in it.
// (Until the byte-level rewrite was checked, this target compared it with the implementation it
// replaced: 10,000,000 executions, no difference; see the history of Fuzz/Sources/LegacyHostClassifier.)

import FuzzDriver

@testable import AWSClassifier

let model: AWSModel
do {
    model = try AWSModel.bundled()
} catch {
    fatalError("the bundled model does not load: \(error)")
}
let current = HostClassifier(model: model)

/// Reads the fuzzer's bytes as a stream of choices.
struct Choices {
    let bytes: UnsafeRawBufferPointer
    var offset = 0
    var isEmpty: Bool { offset >= bytes.count }
    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        let value = n > 255 ? Int(byte()) << 8 | Int(byte()) : Int(byte())
        return value % n
    }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

// MARK: - Pools of realistic pieces

let explicitHosts = model.explicitHosts.keys.sorted()
let endpointPrefixes = model.servicesByEndpointPrefix.keys.sorted()
let listedRegions = Set(model.partitions.flatMap(\.regions)).sorted()
let patternRegions = model.partitions.flatMap { partition in
    partition.regionPattern.prefixes.flatMap { ["\($0)-north-9", "\($0)-x_y-12", "\($0)-west-0"] }
}
let regions =
    listedRegions + patternRegions + [
        "us-east", "us--1", "us-east-", "-east-1", "xx-east-1", "us-east-1a", "us-gov-west-1",
        "eu-west-1",
    ]
let suffixes =
    model.partitions.flatMap { [$0.dnsSuffix, $0.dualStackDNSSuffix] } + [
        "on.aws", "aws", "com", "amazonaws.com.evil.net", "example.com", "amazonaws.com-evil.net",
    ]
let s3Labels = [
    "s3", "s3-fips", "dualstack", "s3-accesspoint", "s3-accesspoint-fips", "s3-object-lambda",
    "s3-object-lambda-fips", "s3-outposts", "op-01234567890123456", "op-x", "s3express-usw2-az1",
    "s3express-fips-use1-az4", "s3express-control", "s3express-control-fips", "s3express-", "mrap",
    "accesspoint",
    "s3-global", "s3-control", "s3-control-fips", "s3-accelerate", "s3-external-1", "s3-us-west-2",
    "s3-eu-west-1", "s3-us-gov-west-1", "s3-", "s3-xx",
]
let otherLabels =
    [
        "execute-api", "lambda-url", "endpoint", "events", "123456789012", "12345678901",
        "1234567890123",
        "name-123456789012", "my-bucket", "-bucket", "bucket-", "a", "ab", "abc", "a1b2c3d4e5", "sync",
        "data",
        "fips", "api", "runtime", "control", "123456789012-", "-123456789012", "ddb", "data-kinesis",
        "control-kinesis", "xn--bcher-kva", String(repeating: "a", count: 63),
        String(repeating: "b", count: 64),
    ]
    + model.literalHostPrefixes.map { $0.hostPrefix + $0.endpointPrefix }
    + model.literalHostPrefixes.map(\.hostPrefix)
    + model.templatedHostPrefixes.keys.sorted()
    + model.ruleSetHostLabels.keys.sorted()
let labelPools: [[String]] = [
    endpointPrefixes, regions, s3Labels, otherLabels, explicitHosts, vectorHosts,
]
let junk: [UInt8] = Array(":.-_/@[] 09AZaz\u{0}\r\n\t%".utf8) + [0xC3, 0xA9, 0xCC, 0x81, 0xFF]

// MARK: - Building a host

func label(_ choices: inout Choices) -> String {
    choices.pick(labelPools[choices.below(labelPools.count)])
}

func host(_ choices: inout Choices) -> String {
    var bytes: [UInt8]
    switch choices.below(8) {
    case 0:
        // The raw bytes.
        bytes = Array(choices.bytes[choices.offset...])
        choices.offset = choices.bytes.count
        return String(decoding: bytes, as: UTF8.self)
    case 1: bytes = Array(choices.pick(explicitHosts).utf8)
    case 2: bytes = Array(choices.pick(vectorHosts).utf8)
    case 3:
        // An IP literal, maybe with a port.
        bytes = Array(
            (choices.below(2) == 0
                ? "\(choices.byte()).\(choices.byte()).\(choices.byte()).\(choices.byte())"
                : "[::\(choices.byte())]").utf8)
    default:
        // Labels from the pools, then a partition's suffix (or another one).
        var labels: [String] = []
        for _ in 0..<(1 + choices.below(5)) { labels.append(label(&choices)) }
        labels.append(choices.pick(suffixes))
        bytes = Array(labels.joined(separator: ".").utf8)
    }
    // Mutations.
    let mutations = choices.below(4) == 0 ? 0 : choices.below(5)
    for _ in 0..<mutations {
        switch choices.below(9) {
        case 0:
            // Upper-case some bytes.
            let start = choices.below(bytes.count + 1)
            for i in start..<min(bytes.count, start + choices.below(16))
            where bytes[i] >= 0x61 && bytes[i] <= 0x7A {
                bytes[i] &= 0xDF
            }
        case 1: bytes.append(UInt8(ascii: "."))
        case 2: bytes += Array(":\(choices.below(70_000))".utf8)
        case 3: bytes += Array(":\(String(choices.byte()))\(String(choices.byte()))".utf8)
        case 4: bytes.insert(choices.pick(junk), at: choices.below(bytes.count + 1))
        case 5: if !bytes.isEmpty { bytes.remove(at: choices.below(bytes.count)) }
        case 6: if !bytes.isEmpty { bytes[choices.below(bytes.count)] = choices.byte() }
        case 7: bytes.insert(contentsOf: Array((label(&choices) + ".").utf8), at: 0)
        default:
            // Replace one label with a label from the pools.
            var labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map(
                Array.init)
            if !labels.isEmpty { labels[choices.below(labels.count)] = Array(label(&choices).utf8) }
            bytes = Array(labels.joined(separator: [UInt8(ascii: ".")]))
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

// MARK: - The check

func fail(_ host: String, _ message: String) -> Never {
    fatalError("host \(host.debugDescription): \(message)")
}

/// The host as the classifier normalizes it, or `nil` when it is not a DNS name of LDH labels (with a
/// port of 1–65535): an independent, string-level statement of the rule.
func normalized(_ host: String) -> String? {
    var text = Substring(host)
    if let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) {
        let port = text[text.utf8.index(after: colon)...]
        guard (1...5).contains(port.utf8.count), port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let number = Int(port), (1...65535).contains(number)
        else { return nil }
        text = text[..<colon]
    }
    if text.utf8.last == UInt8(ascii: ".") {
        text = text[..<text.utf8.index(before: text.utf8.endIndex)]
    }
    guard !text.utf8.isEmpty, text.utf8.count <= 253 else { return nil }
    let labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    for label in labels {
        guard (1...63).contains(label.count),
            label.allSatisfy({
                ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D
            })
        else { return nil }
    }
    return String(
        decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
}

func check(_ host: String) {
    let endpoint = current.classify(host: host)
    // The same host as a Substring of a longer string (the generic path), cut by UTF-8 offsets.
    let padded = "<" + host + ">"
    let inner = padded[
        padded.utf8.index(
            after: padded.utf8.startIndex)..<padded.utf8.index(before: padded.utf8.endIndex)]
    if current.classify(host: inner) != endpoint { fail(host, "a Substring is classified otherwise") }
    guard let normal = normalized(host) else {
        if endpoint != nil { fail(host, "not a host name, but classified") }
        return
    }
    guard let endpoint else { return }
    if endpoint.host != normal {
        fail(host, "the endpoint's host is \(endpoint.host), not \(normal)")
    }
    for variant in [normal, normal.uppercased(), normal + ".", normal + ":443", normal + ".:8080"]
    where current.classify(host: variant) != endpoint {
        fail(host, "\(variant) is classified otherwise")
    }
    for (name, part) in [
        ("bucket", endpoint.bucket), ("access point", endpoint.accessPointName),
        ("account", endpoint.accountID),
        ("outpost", endpoint.outpostID), ("resource id", endpoint.resourceID),
    ] {
        if let part, part.isEmpty || !normal.contains(part) {
            fail(host, "the \(name) \(part) is not in the host")
        }
    }
    if endpoint.endpointPrefixes.isEmpty { fail(host, "no endpoint prefix") }
    if let region = endpoint.region, region.isEmpty { fail(host, "an empty region") }
}

FuzzDriver.run { bytes in
    var choices = Choices(bytes: bytes)
    check(host(&choices))
}
