internal import Crypto

/// The SigV4 signing key for one scope: `HMAC("AWS4" + secret, date) → region → service → "aws4_request"`.
///
/// Deriving it costs four HMACs; a caller that verifies many requests of one key and day can keep it.
/// - Important: The key is secret material. Never log it.
public struct SigningKey: Sendable {
    let key: SymmetricKey

    /// Derives the key for `secretAccessKey` and the scope `date/region/service`.
    public init(
        secretAccessKey: String, date: some StringProtocol, region: some StringProtocol, service: some StringProtocol
    ) {
        let kSecret = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        let kDate = HMAC<SHA256>.authenticationCode(for: Array(date.utf8), using: kSecret)
        let kRegion = HMAC<SHA256>.authenticationCode(for: Array(region.utf8), using: SymmetricKey(data: kDate))
        let kService = HMAC<SHA256>.authenticationCode(for: Array(service.utf8), using: SymmetricKey(data: kRegion))
        let kSigning = HMAC<SHA256>.authenticationCode(
            for: Array("aws4_request".utf8), using: SymmetricKey(data: kService))
        self.key = SymmetricKey(data: kSigning)
    }

    /// The signature of `message`: lower-case hex HMAC-SHA256.
    public func signature(for message: some StringProtocol) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key))
    }

    /// Whether `signatureHex` is the signature of `message`, compared in constant time.
    public func isValidSignature(_ signatureHex: some StringProtocol, for message: some StringProtocol) -> Bool {
        let expected = Array(signature(for: message).utf8)
        return ConstantTime.equals(expected, signatureHex.utf8)
    }
}
