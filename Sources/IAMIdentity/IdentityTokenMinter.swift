public import SigV4

/// Mints identity tokens the way `aws eks get-token` and aws-iam-authenticator do: a presigned
/// `GET https://HOST/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-…`, signing `host` and the
/// audience header, base64url-encoded without padding after `k8s-aws-v1.`.
///
/// Used by the `sigv4-authz token` command and by tests.
public enum IdentityTokenMinter {
    /// The token's prefix.
    public static let prefix = "k8s-aws-v1."

    /// A token for `audience`, signed by `credentials` for `region` at `timestamp`.
    ///
    /// - Parameters:
    ///   - host: The STS host (default `sts.REGION.amazonaws.com`).
    ///   - expiresSeconds: `X-Amz-Expires` (60, as `aws eks get-token`).
    public static func mint(
        credentials: SigningCredentials, audience: String, audienceHeader: String = "x-k8s-aws-id",
        region: String, host: String? = nil, timestamp: AmzTimestamp, expiresSeconds: Int = 60
    ) throws(SigV4Error) -> String {
        let host = host ?? "sts.\(region).amazonaws.com"
        let operation = "Action=GetCallerIdentity&Version=2011-06-15"
        let request = SigV4Request(
            method: "GET", rawPath: "/", rawQuery: operation,
            headers: [HeaderField("host", host), HeaderField(audienceHeader, audience)])
        let parameters = try credentials.signer.presign(
            request, region: region, service: "sts", timestamp: timestamp, expires: expiresSeconds,
            payloadHash: emptyPayloadSHA256)
        let query = ([operation] + parameters.map { "\($0.name)=\($0.value)" }).joined(separator: "&")
        return prefix + Base64URL.encode(Array("https://\(host)/?\(query)".utf8))
    }
}
