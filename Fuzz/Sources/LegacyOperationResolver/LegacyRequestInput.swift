@testable import AWSClassifier
@testable import SigV4

/// The input members of a request as the service reads them, by protocol.
///
/// - json and rest-json (body members): the JSON body only — never the URL's query. The body is
///   read only when the content type is one the protocol parses as JSON and no `Content-Encoding`
///   is applied; otherwise, or when the body was not seen whole, every member is *unknown*.
/// - query and ec2: the URL's query and the form body together (the services read both); a member
///   with different values in the two, or named twice, makes the request ambiguous.
/// - rpc-v2-cbor: the CBOR body is not decoded, so members are unknown.
enum LegacyRequestInput {
    /// The members are readable.
    case json(LegacyJSONValue)
    /// Query/form parameters (URL first, then body), percent-decoded.
    case form([(name: String, value: String)])
    /// The body holds the members but it cannot be read (absent, cut, encoded, not the protocol's
    /// media type, malformed or ambiguous).
    case unknown
    /// The request names its members twice with different values (a decoy).
    case conflicting(String)

    /// Reads the input of a request whose operation came through `wireProtocol`.
    init(wire: LegacyWireRequest, wireProtocol: AWSModel.WireProtocol) {
        switch wireProtocol {
        case .json, .restJSON:
            guard let body = wire.readableBody else {
                self = .unknown
                return
            }
            if wireProtocol == .restJSON, body.isEmpty {
                self = .json(.object([]))
                return
            }
            let type = wire.contentType ?? ""
            let parsesAsJSON =
                type == "application/x-amz-json-1.0" || type == "application/x-amz-json-1.1"
                || (wireProtocol == .restJSON && type == "application/json")
            guard parsesAsJSON, let document = LegacyJSONValue.parse(body), document.members != nil else {
                self = .unknown
                return
            }
            self = .json(document)
        case .query, .ec2:
            guard let body = wire.readableBody else {
                self = .unknown
                return
            }
            var pairs = wire.query
            if !body.isEmpty {
                guard wire.contentType == "application/x-www-form-urlencoded",
                    !LegacyFormDecoding.hasByteOrderMark(body)
                else {
                    self = .unknown
                    return
                }
                pairs += LegacyFormDecoding.pairs(String(decoding: body, as: UTF8.self))
            }
            // One value per member name (letter case aside): a name given twice, with different values,
            // may be read either way.
            var values: [String: String] = [:]
            for pair in pairs {
                let key = pair.name.legacyASCIILowercased()
                if let other = values[key], other != pair.value {
                    self = .conflicting("the request gives \(pair.name) twice, with different values")
                    return
                }
                values[key] = pair.value
            }
            self = .form(pairs)
        case .restXML, .rpcV2CBOR:
            self = .unknown
        }
    }

    /// Whether the members can be read.
    var isReadable: Bool {
        switch self {
        case .json, .form: true
        case .unknown, .conflicting: false
        }
    }

    /// A top-level string member: `.some(value)`, `.none` when the readable input lacks it, or `nil`
    /// (unknown) when the input cannot be read or the member is not a string.
    func string(_ name: String) -> Member {
        switch self {
        case .json(let document):
            guard let value = document[name] else { return .absent }
            return value.string.map(Member.value) ?? .unknown
        case .form(let pairs):
            for pair in pairs where pair.name == name { return .value(pair.value) }
            return .absent
        case .unknown, .conflicting:
            return .unknown
        }
    }

    /// Whether a member is present: a JSON member, or form parameters `name` or `name.…` (lists and
    /// maps such as `Tags.member.1.Key`). `nil` when unknown.
    func has(_ name: String) -> Bool? {
        switch self {
        case .json(let document): return document[name] != nil
        case .form(let pairs):
            return pairs.contains { $0.name == name || $0.name.hasPrefix(name + ".") }
        case .unknown, .conflicting: return nil
        }
    }

    /// The strings of a list member (`Name` as a JSON array, or `Name.member.N` form parameters);
    /// `nil` when unknown or not a list of strings.
    func strings(_ name: String) -> [String]? {
        switch self {
        case .json(let document):
            guard let value = document[name] else { return [] }
            guard let elements = value.elements else { return nil }
            var result: [String] = []
            for element in elements {
                guard let text = element.string else { return nil }
                result.append(text)
            }
            return result
        case .form(let pairs):
            let prefix = name + ".member."
            return pairs.filter { $0.name.hasPrefix(prefix) }.map(\.value)
        case .unknown, .conflicting:
            return nil
        }
    }

    /// A member read from the input.
    enum Member: Equatable {
        case value(String)
        case absent
        case unknown

        /// The value, when there is one.
        var value: String? {
            if case .value(let text) = self { text } else { nil }
        }
    }
}
