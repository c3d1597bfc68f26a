public import Foundation

/// One audit record as `suggest` reads it: the fields of the contract's "Audit record" a policy can
/// name. Every value comes from hostile input; ``AuditInput`` checks the shape, ``PolicySuggestion``
/// checks each value before a pattern is made of it.
public struct ObservedRequest: Sendable, Hashable {
    /// One (action, resource) pair of `aws.authorizations`; `nil` is unknown.
    public struct Pair: Sendable, Hashable {
        /// The IAM action (`s3:GetObject`), `nil` when unknown.
        public var action: String?
        /// The resource ARN, `nil` when unknown or not named.
        public var resource: String?

        /// Creates a pair.
        public init(action: String?, resource: String?) {
            self.action = action
            self.resource = resource
        }
    }

    /// `allow`, `would_deny` or `deny`.
    public var decision: String
    /// The reason code (`allowed`, `no_matching_rule`, …).
    public var reason: String?
    /// The statement, allowlist entry or default that decided.
    public var rule: String?
    /// The request's method.
    public var method: String?
    /// The request's host, as the proxy reported it (maybe with a port).
    public var host: String?
    /// The request's path, without its query.
    public var path: String?
    /// The signing account, 12 digits.
    public var account: String?
    /// The account's name in the configuration that wrote the record.
    public var accountName: String?
    /// The region.
    public var region: String?
    /// The signing name.
    public var service: String?
    /// Every (action, resource) pair; when the record lists none, its `aws.action` on `aws.resource`.
    public var pairs: [Pair]
    /// `header`, `presigned`, `none` or `identity_token`.
    public var auth: String?
    /// The caller STS verified (identity tokens).
    public var callerARN: String?

    /// Creates a request; every fact but the decision starts unknown.
    public init(
        decision: String, reason: String? = nil, rule: String? = nil, method: String? = nil, host: String? = nil,
        path: String? = nil, account: String? = nil, accountName: String? = nil, region: String? = nil,
        service: String? = nil, pairs: [Pair] = [], auth: String? = nil, callerARN: String? = nil
    ) {
        self.decision = decision
        self.reason = reason
        self.rule = rule
        self.method = method
        self.host = host
        self.path = path
        self.account = account
        self.accountName = accountName
        self.region = region
        self.service = service
        self.pairs = pairs
        self.auth = auth
        self.callerARN = callerARN
    }

    /// Whether an identity token authenticated the request.
    public var isIdentityRequest: Bool { auth == "identity_token" }
}

/// A line `suggest` could not read, as `file:line: sentence`.
public struct InputProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file as named on the command line (`-` is standard input).
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// What is wrong, in words.
    public var message: String

    /// Creates a problem.
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String { "\(file):\(line): \(message)" }
}

/// Reads audit records, one JSON object per line, from hostile input: a line is at most
/// ``maxLineBytes`` bytes, nested at most ``maxDepth`` deep, and must have the record's shape; any
/// other line is an ``InputProblem`` and is skipped. Empty lines are skipped silently.
public struct AuditInput: Sendable {
    /// The longest line read (1 MiB); a longer one is skipped whole.
    public static let maxLineBytes = 1 << 20
    /// The deepest nesting of objects and arrays read (a record has 3).
    public static let maxDepth = 16

    /// The records read so far, in input order.
    public private(set) var requests: [ObservedRequest] = []
    /// The first ``keptProblems`` lines skipped, in input order.
    public private(set) var problems: [InputProblem] = []
    /// How many lines were skipped in all.
    public private(set) var problemCount = 0
    /// The most problems kept (the rest are counted).
    public static let keptProblems = 1000

    private var file = "-"
    private var line = 0
    private var pending: [UInt8] = []
    private var tooLong = false
    /// Records and problems of the file being read.
    private var fileRecords = 0
    private var fileProblems = 0

    /// An empty input.
    public init() {}

    /// Reads a whole file's bytes (`name` is used in problems). Returns whether the file held a
    /// record or no line at all: `false` means every line of it was unreadable.
    @discardableResult
    public mutating func read(_ bytes: some Collection<UInt8>, file name: String) -> Bool {
        begin(file: name)
        feed(bytes)
        return finish()
    }

    /// The records read since the last call, handed over (so a long input is not held whole).
    public mutating func takeRequests() -> [ObservedRequest] {
        defer { requests = [] }
        return requests
    }

    /// Starts reading a file named `name` (chunks follow with ``feed(_:)``, then ``finish()``).
    public mutating func begin(file name: String) {
        file = name
        line = 0
        pending = []
        tooLong = false
        fileRecords = 0
        fileProblems = 0
    }

    /// Reads the next bytes of the file.
    public mutating func feed(_ bytes: some Collection<UInt8>) {
        var start = bytes.startIndex
        while start != bytes.endIndex {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                append(bytes[start...])
                return
            }
            append(bytes[start..<newline])
            endLine()
            start = bytes.index(after: newline)
        }
    }

    /// Ends the file; returns whether it held a record or no line at all (see ``read(_:file:)``).
    public mutating func finish() -> Bool {
        if !pending.isEmpty || tooLong { endLine() }
        return fileRecords > 0 || fileProblems == 0
    }

    private mutating func append(_ piece: some Collection<UInt8>) {
        guard !tooLong else { return }
        if pending.count + piece.count > Self.maxLineBytes {
            tooLong = true
            pending = []
        } else {
            pending.append(contentsOf: piece)
        }
    }

    private mutating func endLine() {
        line += 1
        defer {
            pending = []
            tooLong = false
        }
        if tooLong {
            problem("the line is longer than \(Self.maxLineBytes) bytes")
            return
        }
        var text = pending[...]
        if text.last == UInt8(ascii: "\r") { text = text.dropLast() }
        if text.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
        switch Self.parse(Array(text)) {
        case .success(let request):
            requests.append(request)
            fileRecords += 1
        case .failure(let failure):
            problem(failure.message)
        }
    }

    private mutating func problem(_ message: String) {
        if problems.count < Self.keptProblems {
            problems.append(InputProblem(file: file, line: line, message: message))
        }
        problemCount += 1
        fileProblems += 1
    }

    /// Why a line is not a record.
    struct Failure: Error {
        let message: String
    }

    /// One line as a record.
    static func parse(_ bytes: [UInt8]) -> Result<ObservedRequest, Failure> {
        if let depth = nestingDepth(bytes), depth > maxDepth {
            return .failure(Failure(message: "the line nests objects or arrays deeper than \(maxDepth)"))
        }
        guard bytes.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) == UInt8(ascii: "{") else {
            return .failure(Failure(message: "not an audit record: a record is one JSON object per line"))
        }
        let raw: RawRecord
        do {
            raw = try JSONDecoder().decode(RawRecord.self, from: Data(bytes))
        } catch let error as DecodingError {
            return .failure(Failure(message: describe(error)))
        } catch {
            return .failure(Failure(message: "not JSON"))
        }
        guard ["allow", "would_deny", "deny"].contains(raw.decision) else {
            return .failure(
                Failure(
                    message:
                        "not an audit record: decision is '\(Sanitized.comment(raw.decision))', not allow, would_deny or deny"
                ))
        }
        var pairs = (raw.aws?.authorizations ?? []).map {
            ObservedRequest.Pair(action: $0.action, resource: $0.resource)
        }
        if pairs.isEmpty, raw.aws?.action != nil || raw.aws?.resource != nil {
            pairs = [ObservedRequest.Pair(action: raw.aws?.action, resource: raw.aws?.resource)]
        }
        return .success(
            ObservedRequest(
                decision: raw.decision, reason: raw.reason, rule: raw.rule, method: raw.request?.method,
                host: raw.request?.host, path: raw.request?.path, account: raw.aws?.account,
                accountName: raw.aws?.accountName, region: raw.aws?.region, service: raw.aws?.service, pairs: pairs,
                auth: raw.aws?.auth, callerARN: raw.caller?.arn))
    }

    /// The deepest nesting of `{` and `[` outside strings, or `nil` when the text ends inside a
    /// string (the JSON reader then says what is wrong).
    static func nestingDepth(_ bytes: [UInt8]) -> Int? {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return inString ? nil : deepest
    }

    /// A decoding error in one sentence, naming the field.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (key.map { [$0] } ?? [])
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return Sanitized.comment(names.joined(separator: ".").replacingOccurrences(of: ".[", with: "["))
        }
        switch error {
        case .typeMismatch(_, let context):
            return "not an audit record: '\(path(context))' has the wrong type"
        case .valueNotFound(_, let context):
            return "not an audit record: '\(path(context))' is null"
        case .keyNotFound(let key, let context):
            return "not an audit record: '\(path(context, key))' is missing"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "not JSON" : "not an audit record: '\(path(context))' cannot be read"
        @unknown default:
            return "not an audit record"
        }
    }
}

/// The JSON shape read (unknown keys ignored; `null` and a missing key alike are `nil`).
private struct RawRecord: Decodable {
    struct Request: Decodable {
        var method: String?
        var host: String?
        var path: String?
    }
    struct Pair: Decodable {
        var action: String?
        var resource: String?
    }
    struct AWS: Decodable {
        var account: String?
        var accountName: String?
        var region: String?
        var service: String?
        var action: String?
        var resource: String?
        var authorizations: [Pair]?
        var auth: String?

        enum CodingKeys: String, CodingKey {
            case account, region, service, action, resource, authorizations, auth
            case accountName = "account_name"
        }
    }
    struct Caller: Decodable {
        var arn: String?
    }
    var decision: String
    var reason: String?
    var rule: String?
    var request: Request?
    var aws: AWS?
    var caller: Caller?
}

/// Text from records made safe for the places it is printed.
enum Sanitized {
    /// `text` for a comment or a message: printable ASCII only (anything else is `?`), at most 200
    /// characters.
    static func comment(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if out.count >= 200 {
                out += "..."
                break
            }
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return out
    }
}
