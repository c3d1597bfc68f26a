import AWSClassifier
import AuthzCore
import AuthzFixtures
import Policy
import SigV4
import Testing

/// The buffer writers (``AuditRecord/appendJSON(of:to:)``, ``DecisionHeaders/forEach(_:_:)``) against the
/// renderings they replace on the check path: the same bytes for every result of the decision core's
/// cases, and for results with the awkward values a request or a configuration can carry.
@Suite("Audit and header writers")
struct AuditWriterTests {
    /// The decision headers as they were rendered before the writer: the oracle.
    static func referenceFields(_ result: CheckResult) -> [(name: String, value: String)] {
        func safe(_ value: String) -> String {
            if value.utf8.count <= 1024, value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return value }
            var out = ""
            for scalar in value.unicodeScalars.prefix(1024) {
                out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
            }
            return out
        }
        var headers: [(name: String, value: String)] = [
            // allow | deny | would_deny (a deny not enforced; the decision word since the rollout modes).
            ("x-sigv4-authz-decision", result.decision.outcome.rawValue),
            ("x-sigv4-authz-reason", result.decision.reason.rawValue),
            ("x-sigv4-authz-rule", safe(result.decision.rule ?? "")),
            ("x-sigv4-authz-account", result.account?.description ?? ""),
            ("x-sigv4-authz-account-name", safe(result.accountName ?? "")),
            ("x-sigv4-authz-region", safe(result.region ?? "")),
            ("x-sigv4-authz-service", safe(result.service ?? "")),
            ("x-sigv4-authz-action", safe(result.action ?? "")),
            ("x-sigv4-authz-request-id", safe(result.requestID)),
        ]
        if result.decision.effect == .deny {
            headers.append(("x-sigv4-authz-message", safe(result.message)))
        }
        return headers
    }

    /// Every result of the decision core's cases, and variants with awkward values.
    static func results() throws -> [CheckResult] {
        let engine = try EngineFixtures.engine()
        var results = AuthzEngineTests.cases.map { engine.decide($0.request) }
        results.append(engine.refuse(Refusal(reason: .internalError, message: "unreadable", mode: .nginx)))
        results.append(
            engine.refuse(
                Refusal(
                    reason: .internalError, message: "quote \" back\\slash \u{1}\n", mode: .squid,
                    sourceAddress: "10.0.0.9", requestID: "r\"1")))
        let awkward = [
            "", "plain", "quote \" and backslash \\", "new\nline\r\ttab", "\u{0}\u{1}\u{1F}\u{7F}", "é ü 日本 🎉",
            "line\u{2028}para\u{2029}end", "ends with \\", "/path/to?x=1&y=%20", "\u{85}\u{A0}",
            String(repeating: "x", count: 1500), String(repeating: "é", count: 700),
            String(repeating: "\u{1}", count: 300),
        ]
        for base in results.prefix(6) {
            for (index, text) in awkward.enumerated() {
                var result = base
                result.decision.rule = text
                result.decision.message = text
                result.accountName = text
                result.principal = index % 2 == 0 ? text : nil
                result.sourceAddress = index % 3 == 0 ? nil : text
                result.accessKeyID = text
                result.request = (text, text, text)
                result.requestID = text
                result.latencyMicroseconds = [0, 7, 10, 123_456, -5, Int.max, Int.min][index % 7]
                result.time = [0, -1, -1001, 1_768_480_496_123, 253_402_300_799_999, -62_135_596_800_000][index % 6]
                result.account = index % 2 == 0 ? AWSAccountID(UInt64(index)) : AWSAccountID(999_999_999_999)
                result.authentication = [.none, .header, .presigned][index % 3]
                result.signature = [.verified, .notChecked, .mismatch][index % 3]
                if var classification = result.classification {
                    classification.region = text
                    classification.signingName = index % 2 == 0 ? nil : text
                    classification.resourceAccount = text
                    if index % 4 == 0 {
                        classification.authorizations = []
                    } else {
                        classification.authorizations.append(
                            Classification.Authorization(action: .known(text), resource: index % 3 == 0 ? nil : text))
                    }
                    result.classification = classification
                } else if index % 2 == 1 {
                    var classification = Classification()
                    classification.region = text
                    classification.action = .known(text)
                    result.classification = classification
                }
                results.append(result)
            }
        }
        // Would-be denies (mode: dry_run, enforce: false) and every set of missing facts.
        for (index, base) in results.prefix(AuthzEngineTests.cases.count).enumerated()
        where base.decision.effect == .deny {
            var result = base
            result.decision = result.decision.notEnforced(because: index % 2 == 0 ? "mode: dry_run" : "enforce: false")
            result.decision.missing = MissingFacts(rawValue: UInt8(truncatingIfNeeded: index &* 37))
            results.append(result)
        }
        // The most fixed text: every string unknown, many unknown pairs.
        var unknowns = results[0]
        unknowns.decision.rule = nil
        unknowns.sourceAddress = nil
        unknowns.principal = nil
        unknowns.accessKeyID = nil
        unknowns.accountName = nil
        unknowns.account = nil
        unknowns.latencyMicroseconds = Int.min
        var classification = Classification()
        classification.authorizations = Array(
            repeating: Classification.Authorization(action: .unknown(reason: "x")), count: 60)
        unknowns.classification = classification
        results.append(unknowns)
        return results
    }

    @Test("the audit writer writes the record's JSON byte for byte, also after other bytes")
    func auditBytes() throws {
        var buffer: [UInt8] = []
        for result in try Self.results() {
            let expected = Array(AuditRecord(result).json.utf8)
            buffer.removeAll(keepingCapacity: true)
            AuditRecord.appendJSON(of: result, to: &buffer)
            #expect(buffer == expected, "\(String(decoding: buffer, as: UTF8.self))")
            var appended = Array("prefix\n".utf8)
            AuditRecord.appendJSON(of: result, to: &appended)
            #expect(appended == Array("prefix\n".utf8) + expected)
        }
    }

    @Test("every reason code and mode is written as its raw value")
    func staticNames() throws {
        let base = try Self.results()[0]
        for reason in ReasonCode.allCases {
            for mode in [AuthzMode.grpc, .envoyHTTP, .nginx, .squid, .cli] {
                var result = base
                result.decision.reason = reason
                result.mode = mode
                var buffer: [UInt8] = []
                AuditRecord.appendJSON(of: result, to: &buffer)
                #expect(buffer == Array(AuditRecord(result).json.utf8))
            }
        }
    }

    @Test("every decision word, evaluation and set of missing facts is written as the record's JSON")
    func rolloutWords() throws {
        let base = try Self.results()[0]
        var outcomes: Set<String> = []
        for reason in ReasonCode.allCases {
            for enforced in [true, false] {
                for bits in [0, 1, 8, 9, 32, 128, 255] as [UInt8] {
                    var result = base
                    result.decision.effect = reason == .allowed ? .allow : .deny
                    result.decision.reason = reason
                    result.decision.enforced = enforced
                    result.decision.missing = MissingFacts(rawValue: bits)
                    var buffer: [UInt8] = []
                    AuditRecord.appendJSON(of: result, to: &buffer)
                    let json = AuditRecord(result).json
                    #expect(buffer == Array(json.utf8), "\(json)")
                    #expect(json.contains("\"evaluation\":\"\(result.decision.evaluation.rawValue)\""))
                    #expect(json.contains("\"missing\":") == (bits != 0))
                    outcomes.insert(AuditRecord(result).decision.rawValue)
                }
            }
        }
        #expect(outcomes == ["allow", "deny", "would_deny"])
        var result = base
        result.decision = Decision.deny(.deniedByRule, "m", rule: "r", missing: [.action, .caller])
            .notEnforced(because: "mode: dry_run")
        let json = AuditRecord(result).json
        #expect(
            json.contains(
                "\"decision\":\"would_deny\",\"reason\":\"denied_by_rule\",\"rule\":\"r\",\"evaluation\":\"explicit_deny\",\"missing\":[\"action\",\"caller\"],\"request_id\":"
            ), "\(json)")
    }

    @Test("the header writer gives the same names and values as the rendering it replaces")
    func headers() throws {
        for result in try Self.results() {
            let expected = Self.referenceFields(result)
            var written: [(name: String, value: String)] = []
            DecisionHeaders.forEach(result) { written.append(($0, $1)) }
            #expect(written.map(\.name) == expected.map(\.name))
            #expect(written.map(\.value) == expected.map(\.value))
            let fields = DecisionHeaders.fields(result)
            #expect(fields.map(\.name) == expected.map(\.name))
            #expect(fields.map(\.value) == expected.map(\.value))
            var http1 = Array("HTTP/1.1 200 OK\r\n".utf8)
            DecisionHeaders.appendHTTP1(result, to: &http1)
            let lines = expected.map { "\($0.name): \($0.value)\r\n" }.joined()
            #expect(http1 == Array("HTTP/1.1 200 OK\r\n".utf8) + Array(lines.utf8))
        }
    }

    /// JSON escaping by scalar, the way the contract states it: the oracle for the word-at-a-time scan.
    static func referenceQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    @Test("escaping finds a byte that needs it at every position of a word")
    func escapingEveryPosition() {
        let specials = [
            "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "\u{2028}", "\u{2029}", "🎉", " ", "~", "!",
            "#", "[", "]",
        ]
        for length in [0, 1, 7, 8, 9, 15, 16, 17, 24, 31, 40] {
            for position in 0...length {
                for special in specials {
                    let text =
                        String(repeating: "a", count: position) + special
                        + String(repeating: "Z", count: length - position)
                    var bytes: [UInt8] = []
                    JSONText.appendQuoted(text, to: &bytes)
                    #expect(
                        String(decoding: bytes, as: UTF8.self) == Self.referenceQuoted(text), "\(text.debugDescription)"
                    )
                    var fromSubstring: [UInt8] = []
                    JSONText.appendQuoted(Substring(text), to: &fromSubstring)
                    #expect(fromSubstring == bytes)
                }
            }
        }
    }
}
