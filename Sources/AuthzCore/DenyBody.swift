public import AWSClassifier

/// The body and content type of a denial, in the error format of the caller's AWS protocol, so the
/// SDK shows `AccessDenied` / `AccessDeniedException` with the sentence.
public struct DenyBody: Sendable, Hashable {
    /// The body text.
    public var body: String
    /// The `Content-Type`.
    public var contentType: String
    /// Extra headers the protocol's clients read the error code from (`x-amzn-errortype`; lower case, as HTTP/2 requires).
    public var headers: [(String, String)]

    public static func == (lhs: DenyBody, rhs: DenyBody) -> Bool {
        lhs.body == rhs.body && lhs.contentType == rhs.contentType
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(body) }

    /// The deny body for `message` in the format of `wireProtocol` (or a guess from the request when
    /// the protocol is unknown: a JSON target → JSON, a form body → query, otherwise S3's XML).
    public static func make(
        message: String, wireProtocol: AWSModel.WireProtocol?, requestID: String, hasTarget: Bool, isForm: Bool
    ) -> DenyBody {
        let resolved: AWSModel.WireProtocol = wireProtocol ?? (hasTarget ? .json : isForm ? .query : .restXML)
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
