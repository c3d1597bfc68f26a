import Foundation
import SigV4
import Testing

@Suite("Request time")
struct TimeTests {
    static let valid: [(String, String)] = [
        ("20130524T000000Z", "2013-05-24T00:00:00Z"),
        ("20240229T235959Z", "2024-02-29T23:59:59Z"),
        ("20000229T120000Z", "2000-02-29T12:00:00Z"),
        ("19700101T000000Z", "1970-01-01T00:00:00Z"),
        ("20991231T235959Z", "2099-12-31T23:59:59Z"),
    ]

    @Test("ISO 8601 basic times match Foundation", arguments: valid)
    func isoBasic(_ text: String, _ extended: String) throws {
        let parsed = try #require(AmzTimestamp(iso8601Basic: Substring(text)))
        let reference = try #require(ISO8601DateFormatter().date(from: extended))
        #expect(parsed.secondsSinceEpoch == Int64(reference.timeIntervalSince1970))
        #expect(AmzTimestamp(secondsSinceEpoch: parsed.secondsSinceEpoch).iso8601Basic == Substring(text))
    }

    static let invalid = [
        "", "20130524T000000", "20130524 000000Z", "2013-05-24T00:00:00Z", "20130230T000000Z", "20230229T000000Z",
        "20130524T240000Z", "20130524T006000Z", "20130524T000060Z", "20131324T000000Z", "2013052aT000000Z",
        "20130524T000000z", "+0130524T000000Z", "20130524T000000Z ", "19691231T235959Z",
    ]

    @Test("malformed or impossible ISO times are refused", arguments: invalid)
    func isoInvalid(_ text: String) {
        #expect(AmzTimestamp(iso8601Basic: Substring(text)) == nil)
    }

    @Test(
        "RFC 1123 Date headers, including botocore's -0000",
        arguments: [
            "Fri, 24 May 2013 00:00:00 GMT", "Fri, 24 May 2013 00:00:00 -0000", "Fri, 24 May 2013 00:00:00 +0000",
            "Fri, 24 May 2013 00:00:00 UTC", "20130524T000000Z",
        ])
    func httpDate(_ text: String) throws {
        let parsed = try #require(AmzTimestamp(httpDate: Substring(text)))
        #expect(parsed.iso8601Basic == "20130524T000000Z")
    }

    @Test(
        "Date headers in other zones or forms are refused",
        arguments: [
            "Fri, 24 May 2013 00:00:00 +0100", "Friday, 24-May-13 00:00:00 GMT", "Fri May 24 00:00:00 2013",
            "Fri, 24 Mai 2013 00:00:00 GMT", "Fri, 31 Apr 2013 00:00:00 GMT", "Xyz, 24 May 2013 00:00:00 GMT",
        ])
    func httpDateInvalid(_ text: String) {
        #expect(AmzTimestamp(httpDate: Substring(text)) == nil)
    }

    static func credential(_ location: String) throws -> SigV4Credential {
        let signature = String(repeating: "ab", count: 32)
        if location == "header" {
            return try sigV4Credential(
                SigV4Request(
                    method: "GET", rawPath: "/", rawQuery: "",
                    headers: [
                        HeaderField("Host", "sts.amazonaws.com"), HeaderField("X-Amz-Date", "20260115T120000Z"),
                        HeaderField(
                            "Authorization",
                            "AWS4-HMAC-SHA256 Credential=AKIASP2TPHJSQH3FJRUX/20260115/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(signature)"
                        ),
                    ]))
        }
        return try sigV4Credential(
            SigV4Request(
                method: "GET", rawPath: "/",
                rawQuery:
                    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIASP2TPHJSQH3FJRUX%2F20260115%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260115T120000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)",
                headers: [HeaderField("Host", "s3.amazonaws.com")]))
    }

    static let signedAt = AmzTimestamp(iso8601Basic: "20260115T120000Z")?.secondsSinceEpoch ?? 0

    static let windows: [(String, Int64, SigV4Error.Code?)] = [
        ("header", 0, nil), ("header", 900, nil), ("header", -900, nil),
        ("header", 901, .clockSkew),  // the request is 901 s old
        ("header", -901, .clockSkew),  // the request is 901 s in the future
        ("presigned", 0, nil), ("presigned", 60, nil),
        ("presigned", 61, .requestExpired),
        ("presigned", -900, nil),
        ("presigned", -901, .requestNotYetValid),
    ]

    @Test("clock skew, expiry and not-yet-valid with a 15-minute skew", arguments: windows)
    func timeWindows(_ location: String, _ offset: Int64, _ code: SigV4Error.Code?) throws {
        let credential = try Self.credential(location)
        let error = sigV4Error { () throws(SigV4Error) in
            try credential.checkTime(now: Self.signedAt + offset, maxClockSkew: 900)
        }
        #expect(error?.code == code)
    }

    @Test("the skew is configurable")
    func configurableSkew() throws {
        let credential = try Self.credential("header")
        try credential.checkTime(now: Self.signedAt + 300, maxClockSkew: 300)
        #expect(throws: SigV4Error(.clockSkew)) {
            try credential.checkTime(now: Self.signedAt + 301, maxClockSkew: 300)
        }
    }

    @Test("RFC 3339 audit times and ISO 8601 basic times match Foundation's formatter")
    func formattingMatchesFoundation() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var state: UInt64 = 7
        for _ in 0..<2_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // 1970 to 2099, milliseconds.
            let ms = Int64(state >> 1) % 4_102_444_800_000
            let expected = formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
            #expect(UTCTime.rfc3339(millisecondsSinceEpoch: ms) == expected)
            let basic = expected.prefix(19).filter { $0 != "-" && $0 != ":" } + "Z"
            #expect(AmzTimestamp(secondsSinceEpoch: ms / 1000).iso8601Basic == Substring(basic))
        }
    }
}
