// Differential fuzz target of the host classifier: the byte-level HostClassifier against the
// implementation it replaced (LegacyHostClassifier), over hosts built from the model's real endpoints,
// the committed vectors, partitions, FIPS / dual-stack variants, S3 shapes, ports, case, trailing dots,
// IP literals and raw bytes. Any difference in the Endpoint (every field) traps.

import FuzzDriver
import LegacyHostClassifier

@testable import AWSClassifier

let model: AWSModel
do {
    model = try AWSModel.bundled()
} catch {
    preconditionFailure("the bundled model does not load: \(error)")
}
let current = HostClassifier(model: model)
let legacy = LegacyHostClassifier(model: model)

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
        "us-east", "us--1", "us-east-", "-east-1", "xx-east-1", "us-east-1a", "us-gov-west-1", "eu-west-1",
    ]
let suffixes =
    model.partitions.flatMap { [$0.dnsSuffix, $0.dualStackDNSSuffix] } + [
        "on.aws", "aws", "com", "amazonaws.com.evil.net", "example.com", "amazonaws.com-evil.net",
    ]
let s3Labels = [
    "s3", "s3-fips", "dualstack", "s3-accesspoint", "s3-accesspoint-fips", "s3-object-lambda",
    "s3-object-lambda-fips", "s3-outposts", "op-01234567890123456", "op-x", "s3express-usw2-az1",
    "s3express-fips-use1-az4", "s3express-control", "s3express-control-fips", "s3express-", "mrap", "accesspoint",
    "s3-global", "s3-control", "s3-control-fips", "s3-accelerate", "s3-external-1", "s3-us-west-2",
    "s3-eu-west-1", "s3-us-gov-west-1", "s3-", "s3-xx",
]
let otherLabels =
    [
        "execute-api", "lambda-url", "endpoint", "events", "123456789012", "12345678901", "1234567890123",
        "name-123456789012", "my-bucket", "-bucket", "bucket-", "a", "ab", "abc", "a1b2c3d4e5", "sync", "data",
        "fips", "api", "runtime", "control", "123456789012-", "-123456789012", "ddb", "data-kinesis",
        "control-kinesis", "xn--bcher-kva", String(repeating: "a", count: 63), String(repeating: "b", count: 64),
    ]
    + model.literalHostPrefixes.map { $0.hostPrefix + $0.endpointPrefix }
    + model.literalHostPrefixes.map(\.hostPrefix)
    + model.templatedHostPrefixes.keys.sorted()
    + model.ruleSetHostLabels.keys.sorted()
let labelPools: [[String]] = [endpointPrefixes, regions, s3Labels, otherLabels, explicitHosts, vectorHosts]
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
            for i in start..<min(bytes.count, start + choices.below(16)) where bytes[i] >= 0x61 && bytes[i] <= 0x7A {
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
            var labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map(Array.init)
            if !labels.isEmpty { labels[choices.below(labels.count)] = Array(label(&choices).utf8) }
            bytes = Array(labels.joined(separator: [UInt8(ascii: ".")]))
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

// MARK: - The check

func check(_ host: String) {
    let old = legacy.classify(host: host)
    let new = current.classify(host: host)
    if old != new {
        preconditionFailure(
            "host \(host.debugDescription): legacy \(String(describing: old)), new \(String(describing: new))")
    }
    // The same host as a Substring of a longer string (the generic path). Cut by UTF-8 offsets: a
    // Character-wise dropFirst would take a combining mark at the host's start along with the "<".
    let padded = "<" + host + ">"
    let inner = padded[
        padded.utf8.index(after: padded.utf8.startIndex)..<padded.utf8.index(before: padded.utf8.endIndex)]
    let viaSubstring = current.classify(host: inner)
    if viaSubstring != new {
        preconditionFailure(
            "host \(host.debugDescription) as a Substring: \(String(describing: viaSubstring)), as a String \(String(describing: new))"
        )
    }
    if let new, new.partition.id != old?.partition.id {
        preconditionFailure("host \(host.debugDescription): the partitions differ")
    }
}

FuzzDriver.run { bytes in
    var choices = Choices(bytes: bytes)
    check(host(&choices))
}
