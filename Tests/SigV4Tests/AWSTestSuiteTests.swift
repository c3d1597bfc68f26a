import Foundation
import SigV4
import Testing

/// The official AWS SigV4 test suite, read at test time from botocore's source distribution.
///
/// `scripts/fetch-aws4-testsuite.sh` (run by `make test`) downloads the sdist and unpacks
/// `tests/unit/auth/aws4_testsuite` into `.cache/aws4_testsuite`; `AWS4_TESTSUITE_DIR` overrides the
/// location. A missing suite fails every case loudly — it is never skipped.
@Suite("AWS SigV4 test suite (botocore sdist)")
struct AWSTestSuiteTests {
    static let cases: [String] = [
        "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
        "get-header-value-trim", "get-unreserved", "get-utf8", "get-vanilla", "get-vanilla-empty-query-key",
        "get-vanilla-query", "get-vanilla-query-order-encoded", "get-vanilla-query-order-key",
        "get-vanilla-query-order-key-case", "get-vanilla-query-order-value", "get-vanilla-query-unreserved",
        "get-vanilla-utf8-query", "get-vanilla-with-session-token", "normalize-path/get-relative",
        "normalize-path/get-relative-relative", "normalize-path/get-slash", "normalize-path/get-slash-dot-slash",
        "normalize-path/get-slash-pointless-dot", "normalize-path/get-slashes", "normalize-path/get-space",
        "normalize-path/get-special-character", "post-header-key-case", "post-header-key-sort",
        "post-header-value-case", "post-sts-token/post-sts-header-after", "post-sts-token/post-sts-header-before",
        "post-vanilla", "post-vanilla-empty-query-value", "post-vanilla-query", "post-x-www-form-urlencoded",
        "post-x-www-form-urlencoded-parameters",
    ]
    static let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

    static var suiteDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["AWS4_TESTSUITE_DIR"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        return Fixtures.packageRoot.appendingPathComponent(".cache/aws4_testsuite")
    }

    @Test("the suite has 34 cases")
    func suiteHas34Cases() throws {
        #expect(Self.cases.count == 34)
        let found = try FileManager.default.subpathsOfDirectory(atPath: Self.suiteDirectory.path)
            .filter { $0.hasSuffix(".req") }
        #expect(
            found.count == 34,
            "run scripts/fetch-aws4-testsuite.sh; found \(found.count) .req files in \(Self.suiteDirectory.path)")
    }

    @Test("canonical request, string to sign and signature match", arguments: cases)
    func matchesSuite(_ name: String) throws {
        let directory = Self.suiteDirectory.appendingPathComponent(name)
        let base = directory.appendingPathComponent((name as NSString).lastPathComponent)
        func read(_ ext: String) throws -> String {
            let url = base.appendingPathExtension(ext)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                Issue.record("missing \(url.path): run scripts/fetch-aws4-testsuite.sh")
                throw CocoaError(.fileNoSuchFile)
            }
            return text
        }
        // The signed request (.sreq) with its Authorization replaced by the .authz file: the
        // suite's get-vanilla-with-session-token.sreq carries a wrong signature, its .authz is right,
        // and its .req lacks the session token header that the .sreq sends.
        var (request, body) = Self.parseRequestFile(try read("sreq"))
        request.headers.removeAll { $0.name.lowercased() == "authorization" }
        request.headers.append(HeaderField("Authorization", try read("authz")))

        let credential = try sigV4Credential(request)
        let computed = try #require(try SigV4Verifier.stringToSign(request, credential: credential, body: body))
        #expect(computed.canonicalRequest.string == (try read("creq")))
        #expect(computed.stringToSign == (try read("sts")))
        #expect(
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret, body: body)
                == .verified)
        #expect(throws: SigV4Error(.signatureMismatch)) {
            try SigV4Verifier.verify(request, credential: credential, secretAccessKey: Self.secret + "x", body: body)
        }
    }

    /// Parses a suite `.req` file: `METHOD TARGET HTTP/1.1`, headers (a line starting with
    /// whitespace continues the previous header), a blank line, the body. The suite's request
    /// targets are the text the signer encodes, so they are used as the raw path as they are.
    static func parseRequestFile(_ text: String) -> (SigV4Request, [UInt8]) {
        var lines = text.components(separatedBy: "\n")
        let requestLine = lines.removeFirst()
        let firstSpace = requestLine.firstIndex(of: " ") ?? requestLine.endIndex
        let method = String(requestLine[..<firstSpace])
        var target = String(requestLine[firstSpace...].dropFirst())
        if let range = target.range(of: " HTTP/", options: .backwards) { target = String(target[..<range.lowerBound]) }
        var headers: [HeaderField] = []
        var bodyLines: [String] = []
        var inBody = false
        for line in lines {
            if inBody {
                bodyLines.append(line)
            } else if line.isEmpty {
                inBody = true
            } else if line.first == " " || line.first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                headers.append(HeaderField(String(line[..<colon]), String(line[line.index(after: colon)...])))
            } else {
                Issue.record("unparseable header line in a suite request: \(line)")
            }
        }
        let body = Array(bodyLines.joined(separator: "\n").utf8)
        return (SigV4Request(method: method, requestTarget: target, headers: headers), body)
    }
}
