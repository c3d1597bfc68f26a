/// Which of SigV4's two canonicalization rule sets a service uses.
///
/// The S3 family (S3, S3 Object Lambda, S3 Outposts, S3 Express; S3 Control signs as `s3`) does not
/// normalize the path and encodes it once: the wire path is decoded once and re-encoded. Every other
/// service removes dot segments, collapses `//`, and encodes the wire path again (so it is encoded
/// twice relative to the original text). S3 also signs the `x-amz-content-sha256` header value as
/// the payload hash, which is why an S3 signature can be checked without the body.
public enum CanonicalizationRules: Sendable, Hashable {
    /// S3-family rules.
    case s3
    /// The rules of every other service.
    case standard

    /// The rules for a service signing name (the credential scope's service).
    public init(signingName: some StringProtocol) {
        // Byte comparison (no character comparison): no character canonically equivalent to one of
        // these ASCII names other than itself exists, so this is String equality.
        let utf8 = signingName.utf8
        let isS3 =
            utf8.withContiguousStorageIfAvailable { Self.isS3Family($0) }
            ?? Array(utf8).withUnsafeBufferPointer { Self.isS3Family($0) }
        self = isS3 ? .s3 : .standard
    }

    private static func isS3Family(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        func equals(_ literal: StaticString) -> Bool {
            name.count == literal.utf8CodeUnitCount
                && name.elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
        }
        return equals("s3") || equals("s3-object-lambda") || equals("s3-outposts") || equals("s3express")
    }
}
