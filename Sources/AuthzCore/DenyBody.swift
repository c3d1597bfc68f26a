public import AWSClassifier
internal import Policy

/// The body and content type of a denial, in the error format of the caller's AWS protocol, so the
/// SDK shows `AccessDenied` / `AccessDeniedException` with the sentence.
public struct DenyBody: Sendable, Hashable {
    /// The body text.
    public var body: String
    /// The `Content-Type`.
    public var contentType: String
    /// Extra headers the protocol's clients read the error code from (`x-amzn-errortype`; lower case, as HTTP/2 requires).
    public var headers: [(name: String, value: String)]

    public static func == (lhs: DenyBody, rhs: DenyBody) -> Bool {
        lhs.body == rhs.body && lhs.contentType == rhs.contentType
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(body) }

    /// Creates a deny body.
    public init(body: String, contentType: String, headers: [(name: String, value: String)]) {
        self.body = body
        self.contentType = contentType
        self.headers = headers
    }

    /// The deny body of a result; `nil` when the proxy is answered allow (an allow, or a deny that is
    /// not enforced: `would_deny`).
    public init?(denying result: CheckResult) {
        guard result.decision.answer == .deny else { return nil }
        self = Self.make(message: result.message, format: result.errorFormat, requestID: result.requestID)
    }

    /// The error format of a request: the protocol its operation was found through, or a guess from
    /// the request when the operation is unknown (S3 → XML, a JSON target → JSON, a form body → query,
    /// otherwise S3's XML).
    static func format(
        wireProtocol: AWSModel.WireProtocol?, isS3: Bool, hasTarget: Bool, isForm: Bool
    ) -> AWSModel.WireProtocol {
        if let wireProtocol { return wireProtocol }
        if isS3 { return .restXML }
        return hasTarget ? .json : isForm ? .query : .restXML
    }

    /// The deny body for `message` in `format`.
    static func make(message: String, format resolved: AWSModel.WireProtocol, requestID: String) -> DenyBody {
        let xmlMessage = escapeXML(message)
        switch resolved {
        case .restXML:
            return DenyBody(
                body:
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>\(xmlMessage)</Message><RequestId>\(escapeXML(requestID))</RequestId></Error>",
                contentType: "application/xml", headers: [])
        case .query:
            return DenyBody(
                body:
                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>\(xmlMessage)</Message></Error><RequestId>\(escapeXML(requestID))</RequestId></ErrorResponse>",
                contentType: "text/xml", headers: [])
        case .ec2:
            // EC2's query protocol has its own error document (botocore's ec2 parser reads Errors/Error).
            return DenyBody(
                body:
                    "<Response><Errors><Error><Code>AccessDenied</Code><Message>\(xmlMessage)</Message></Error></Errors><RequestID>\(escapeXML(requestID))</RequestID></Response>",
                contentType: "text/xml", headers: [])
        case .json, .restJSON, .rpcV2CBOR:
            return DenyBody(
                body: "{\"__type\":\"AccessDeniedException\",\"message\":\(JSONText.quoted(message))}",
                contentType: resolved == .restJSON ? "application/json" : "application/x-amz-json-1.1",
                headers: [("x-amzn-errortype", "AccessDeniedException")])
        }
    }

    static func escapeXML(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }
}
