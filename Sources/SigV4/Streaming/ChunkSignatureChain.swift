/// Verifies the chunk signatures of an `aws-chunked` upload (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`).
///
/// Each chunk's string to sign is `AWS4-HMAC-SHA256-PAYLOAD \n timestamp \n scope \n previous
/// signature \n sha256("") \n sha256(chunk data)`; the first "previous signature" is the seed, the
/// signature of the request's headers. The final chunk is empty.
///
/// ```swift
/// var chain = ChunkSignatureChain(seedSignature: credential.signature, key: key,
///                                 timestamp: credential.timestamp.iso8601Basic, scope: credential.scope.string)
/// try chain.verifyNext(chunk: data, signature: chunkSignature)
/// ```
public struct ChunkSignatureChain: Sendable {
    /// The signature the next chunk must chain from.
    public private(set) var previousSignature: String
    let key: SigningKey
    let prefix: String

    /// Starts a chain from the seed signature (the `Authorization` header's signature).
    public init(seedSignature: some StringProtocol, key: SigningKey, timestamp: some StringProtocol, scope: String) {
        self.previousSignature = String(seedSignature)
        self.key = key
        self.prefix = "AWS4-HMAC-SHA256-PAYLOAD\n\(timestamp)\n\(scope)\n"
    }

    /// The signature the next chunk with `data` must carry.
    public func expectedSignature(chunk data: [UInt8]) -> String {
        key.signature(for: "\(prefix)\(previousSignature)\n\(emptyPayloadSHA256)\n\(SHA256Hasher.hex(data))")
    }

    /// Checks the next chunk's signature in constant time and advances the chain.
    /// - Throws: ``SigV4Error/Code/malformedChunk`` when the signature is not 64 hex digits or
    ///   does not continue the chain.
    public mutating func verifyNext(chunk data: [UInt8], signature: some StringProtocol) throws(SigV4Error) {
        guard signature.utf8.count == 64, signature.utf8.allSatisfy(ASCII.isLowerHex) else {
            throw SigV4Error(.malformedChunk, "a chunk signature must be 64 lower-case hex digits")
        }
        let expected = expectedSignature(chunk: data)
        guard ConstantTime.equals(expected.utf8, signature.utf8) else {
            throw SigV4Error(.malformedChunk, "the chunk signature does not continue the signature chain")
        }
        previousSignature = expected
    }
}
