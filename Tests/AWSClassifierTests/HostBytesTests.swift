import Testing

@testable import AWSClassifier

@Suite("Hosts as bytes")
struct HostBytesTests {
    static let hosts = [
        "my-bucket.s3.eu-west-1.amazonaws.com", "dynamodb.us-east-1.amazonaws.com", "iam.amazonaws.com",
        "s3.amazonaws.com", "ap-123456789012.s3-accesspoint.eu-west-1.amazonaws.com",
        "abcdefghijklmnop.lambda-url.us-east-1.on.aws", "sync-states.us-east-1.amazonaws.com",
        "ec2.us-isof-south-1.csp.hci.ic.gov", "ec2.eu-north-9.amazonaws.com",
    ]

    @Test("case, port and trailing dot normalize to the same endpoint", arguments: hosts)
    func normalization(_ host: String) throws {
        let classifier = try #require(Fixtures.hosts)
        let endpoint = try #require(classifier.classify(host: host))
        #expect(endpoint.host == host)
        for variant in [host.uppercased(), host + ".", host + ":443", host.uppercased() + ".:08080", host + ".:1"] {
            #expect(classifier.classify(host: variant) == endpoint, "\(variant)")
        }
        for variant in [host + ":0", host + ":65536", host + ":123456", host + "..", host + ":", host + ":+1"] {
            #expect(classifier.classify(host: variant) == nil, "\(variant)")
        }
    }

    @Test("a Substring is classified as the String", arguments: hosts)
    func substring(_ host: String) throws {
        let classifier = try #require(Fixtures.hosts)
        let padded = "<" + host + ":443>"
        let inner = padded.dropFirst().dropLast()
        #expect(classifier.classify(host: inner) == classifier.classify(host: host))
    }

    @Test("an already normal host is kept, not copied")
    func sharedHost() throws {
        let classifier = try #require(Fixtures.hosts)
        let host = "a-rather-long-bucket-name.s3.eu-west-1.amazonaws.com"
        let endpoint = try #require(classifier.classify(host: host))
        var kept = endpoint.host
        var given = host
        let keptAddress = kept.withUTF8 { $0.baseAddress }
        let givenAddress = given.withUTF8 { $0.baseAddress }
        #expect(keptAddress == givenAddress)
    }

    @Test("non-ASCII and combining marks are not hosts")
    func nonASCII() throws {
        let classifier = try #require(Fixtures.hosts)
        for host in [
            "dynamodb.us-east-1.amazonaws.com:\u{301}443", "dynamodb.us-east-1.amazonaws.com.\u{301}",
            "dynamodb.us-east-1.amazonaws.com\u{600}.", "dynamödb.us-east-1.amazonaws.com",
        ] {
            #expect(classifier.classify(host: host) == nil, "\(host.debugDescription)")
        }
    }

    @Test("byte table: lookups by bytes, first value of a key kept")
    func byteTable() {
        let keys = (0..<300).map { "key-\($0)" }
        let table = ByteTable(keys.map { (Array($0.utf8), $0) } + [(Array("key-7".utf8), "second")])
        for key in keys {
            let found = Array(key.utf8).withUnsafeBufferPointer { table.value(for: $0) }
            #expect(found == key)
        }
        for missing in ["", "key-", "key-300", "key-7 ", "KEY-7"] {
            #expect(Array(missing.utf8).withUnsafeBufferPointer { table.contains($0) } == false)
        }
        let empty = ByteTable<Int>([])
        #expect(Array("x".utf8).withUnsafeBufferPointer { empty.value(for: $0) } == nil)
    }
}
