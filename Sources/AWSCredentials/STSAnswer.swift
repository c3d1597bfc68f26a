internal import AWSClassifier
internal import IAMIdentity
public import SigV4

/// What `sts:AssumeRole` (or `AssumeRoleWithWebIdentity`) returned: the role's temporary credentials
/// and who they are.
public struct AssumedRole: Sendable, Equatable {
    /// The temporary credentials (`ASIA…`, with a session token and an expiry).
    public var credentials: SigningCredentials
    /// `AssumedRoleUser.Arn`: `arn:aws:sts::123456789012:assumed-role/NAME/SESSION`.
    public var assumedRoleARN: String
    /// `AssumedRoleUser.AssumedRoleId`: `AROA…:SESSION`.
    public var assumedRoleID: String

    /// Creates the result of a call.
    public init(credentials: SigningCredentials, assumedRoleARN: String, assumedRoleID: String) {
        self.credentials = credentials
        self.assumedRoleARN = assumedRoleARN
        self.assumedRoleID = assumedRoleID
    }
}

/// Reads STS's XML answers (the query protocol):
///
/// ```xml
/// <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
///   <AssumeRoleResult>
///     <AssumedRoleUser><Arn>…</Arn><AssumedRoleId>…</AssumedRoleId></AssumedRoleUser>
///     <Credentials><AccessKeyId>…</AccessKeyId><SecretAccessKey>…</SecretAccessKey>
///       <SessionToken>…</SessionToken><Expiration>2011-07-15T23:28:33.359Z</Expiration></Credentials>
///   </AssumeRoleResult>
///   <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata>
/// </AssumeRoleResponse>
/// ```
///
/// and `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`, with the
/// project's strict reader of STS's answers (IAMIdentity's `AnswerDocument`, over AWSClassifier's
/// `XMLReader`, shared with the identity-token verifier): a document it cannot read is refused.
enum STSAnswer {
    /// The text of every element without children, by its path from the root
    /// (`AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId`), trimmed; `nil` when the
    /// document is not one well-formed element tree (or names a leaf twice).
    static func leaves(of body: [UInt8]) -> [String: String]? {
        AnswerDocument.xmlLeaves(of: body)
    }

    /// The role and credentials in a successful answer to `action` (`AssumeRole`,
    /// `AssumeRoleWithWebIdentity`).
    static func assumedRole(from body: [UInt8], action: String, subject: String) throws(CredentialError) -> AssumedRole
    {
        let call = "sts:\(action) for \(subject)"
        guard let leaves = leaves(of: body) else {
            throw CredentialError(.malformedAnswer, "STS answered \(call) with XML sigv4-authz cannot read")
        }
        let result = "\(action)Response/\(action)Result"
        func field(_ path: String) throws(CredentialError) -> String {
            guard let value = leaves["\(result)/\(path)"], !value.isEmpty else {
                throw CredentialError(.malformedAnswer, "STS answered \(call) without \(path)")
            }
            return value
        }
        let accessKeyID = try field("Credentials/AccessKeyId")
        let secret = try field("Credentials/SecretAccessKey")
        let token = try field("Credentials/SessionToken")
        let expirationText = try field("Credentials/Expiration")
        guard CredentialAnswer.isHeaderToken(accessKeyID), CredentialAnswer.isHeaderToken(token) else {
            throw CredentialError(.malformedAnswer, "STS answered \(call) with credentials that cannot be sent")
        }
        guard let expiration = Timestamp.seconds(iso8601: expirationText) else {
            throw CredentialError(
                .malformedAnswer,
                "STS answered \(call) with an Expiration that is not an ISO 8601 time: "
                    + CredentialAnswer.printable(expirationText))
        }
        return AssumedRole(
            credentials: SigningCredentials(
                accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token, expiration: expiration),
            assumedRoleARN: try field("AssumedRoleUser/Arn"),
            assumedRoleID: try field("AssumedRoleUser/AssumedRoleId"))
    }

    /// `Code` and `Message` of an error answer, when the body is one.
    static func error(from body: [UInt8]) -> (code: String, message: String)? {
        guard let leaves = leaves(of: body) else { return nil }
        // STS's error document is ErrorResponse/Error/{Type,Code,Message} (the query protocol's other
        // shape, ErrorResponse/Errors/Error/…, as moto writes it, is read too): exact paths, tried in a
        // fixed order, so that an answer with more than one element named Code (nested in a Message)
        // reads the same every time.
        guard
            let parent = ["ErrorResponse/Error/", "ErrorResponse/Errors/Error/"].first(where: {
                leaves[$0 + "Code"] != nil
            })
        else { return nil }
        let code = leaves[parent + "Code"]
        let message = leaves[parent + "Message"]
        guard let code, !code.isEmpty else { return nil }
        return (code, message ?? "")
    }
}
