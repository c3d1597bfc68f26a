internal import Crypto
internal import Foundation

/// The ECDSA P-256 key pair that SigV4a derives from an access key id and its secret.
///
/// AWS derives the private key with the NIST SP 800-108 counter-mode KDF (HMAC-SHA256) keyed by
/// `"AWS4A" + secret` over `0x00000001 ‖ "AWS4-ECDSA-P256-SHA256" ‖ 0x00 ‖ accessKeyID ‖ counter ‖
/// 0x00000100`; the first output `k0` that is at most `n − 2` (P-256's order minus two) gives the
/// private key `k0 + 1`. Whoever holds the secret can therefore verify SigV4a signatures offline.
/// Signatures are randomized, so they are verified, never compared.
///
/// - Important: The private key is secret material. Never log it.
public struct SigV4aSigningKey: Sendable {
    let privateKey: P256.Signing.PrivateKey

    /// The public key, DER (SubjectPublicKeyInfo).
    public var publicKeyDER: [UInt8] { Array(privateKey.publicKey.derRepresentation) }

    /// The public key as an uncompressed point, `04 ‖ X ‖ Y`, in hex.
    public var publicKeyHex: String { Hex.encode(privateKey.publicKey.x963Representation) }

    /// Derives the key pair; `nil` only if no counter value 1…254 yields a valid key (astronomically unlikely).
    public init?(accessKeyID: some StringProtocol, secretAccessKey: String) {
        let hmacKey = SymmetricKey(data: Array("AWS4A\(secretAccessKey)".utf8))
        var counter: UInt8 = 1
        while counter < 255 {
            var input: [UInt8] = [0, 0, 0, 1]
            input.append(contentsOf: "AWS4-ECDSA-P256-SHA256".utf8)
            input.append(0)
            input.append(contentsOf: accessKeyID.utf8)
            input.append(counter)
            input.append(contentsOf: [0, 0, 1, 0])
            let k0 = Array(HMAC<SHA256>.authenticationCode(for: input, using: hmacKey))
            if !Self.isGreater(k0, than: Self.orderMinusTwo),
                let key = try? P256.Signing.PrivateKey(rawRepresentation: Self.plusOne(k0))
            {
                self.privateKey = key
                return
            }
            counter += 1
        }
        return nil
    }

    /// Whether `signatureHex` (hex DER) is a valid signature of `message` (ECDSA over SHA-256).
    public func isValidSignature(_ signatureHex: some StringProtocol, for message: some StringProtocol) -> Bool {
        guard let der = Hex.decode(signatureHex),
            let signature = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { return false }
        return privateKey.publicKey.isValidSignature(signature, for: Data(message.utf8))
    }

    /// Signs `message` (hex DER). Each call returns a different, equally valid signature.
    public func signature(for message: some StringProtocol) -> String {
        guard let signature = try? privateKey.signature(for: Data(message.utf8)) else { return "" }
        return Hex.encode(signature.derRepresentation)
    }

    /// P-256's group order n minus 2, big-endian.
    static let orderMinusTwo: [UInt8] =
        Hex.decode("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc63254f") ?? []

    /// Big-endian comparison over equal-length byte strings, without early exit.
    static func isGreater(_ a: [UInt8], than b: [UInt8]) -> Bool {
        var greater: UInt8 = 0
        var decided: UInt8 = 0
        for (x, y) in zip(a, b) {
            let gt: UInt8 = x > y ? 1 : 0
            let lt: UInt8 = x < y ? 1 : 0
            greater |= gt & ~decided
            decided |= gt | lt
        }
        return greater == 1
    }

    /// `a + 1` as a big-endian number of the same width.
    static func plusOne(_ a: [UInt8]) -> [UInt8] {
        var out = a
        var index = out.count - 1
        while index >= 0 {
            let (sum, overflow) = out[index].addingReportingOverflow(1)
            out[index] = sum
            if !overflow { break }
            index -= 1
        }
        return out
    }
}
