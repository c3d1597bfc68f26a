internal import Foundation
public import SigV4

/// The JSON credentials of the container endpoint and IMDS:
///
/// ```json
/// {"Code": "Success", "AccessKeyId": "ASIA…", "SecretAccessKey": "…", "Token": "…",
///  "Expiration": "2026-11-30T21:00:00Z"}
/// ```
///
/// (`Code` only from IMDS; the container endpoint also sends `RoleArn`.) Read strictly: the key id
/// printable ASCII without spaces, the token likewise (it goes into a header), the secret non-empty,
/// the expiration an ISO 8601 time.
enum CredentialAnswer {
    private struct Fields: Decodable {
        var code: String?
        var accessKeyID: String?
        var secretAccessKey: String?
        var token: String?
        var expiration: String?

        enum CodingKeys: String, CodingKey {
            case code = "Code"
            case accessKeyID = "AccessKeyId"
            case secretAccessKey = "SecretAccessKey"
            case token = "Token"
            case expiration = "Expiration"
        }
    }

    /// The credentials in `body`.
    ///
    /// - Parameters:
    ///   - requireCode: IMDS: `Code` must be `Success`.
    ///   - requireToken: the credentials must be temporary (a session token).
    ///   - what: who answered, for the error sentence.
    static func credentials(
        from body: [UInt8], requireCode: Bool, requireToken: Bool, what: String
    ) throws(CredentialError) -> SigningCredentials {
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(body))
        } catch {
            throw CredentialError(.malformedAnswer, "\(what) answered something that is not a JSON credentials object")
        }
        if requireCode {
            guard let code = fields.code else {
                throw CredentialError(.malformedAnswer, "\(what) answered credentials without a Code")
            }
            guard code == "Success" else {
                throw CredentialError(.refused, "\(what) answered Code \(printable(code)), not Success")
            }
        }
        guard let accessKeyID = fields.accessKeyID, isHeaderToken(accessKeyID) else {
            throw CredentialError(.malformedAnswer, "\(what) answered credentials without a valid AccessKeyId")
        }
        guard let secret = fields.secretAccessKey, !secret.isEmpty else {
            throw CredentialError(.malformedAnswer, "\(what) answered credentials without a SecretAccessKey")
        }
        var token: String?
        if let value = fields.token, !value.isEmpty {
            guard isHeaderToken(value) else {
                throw CredentialError(.malformedAnswer, "\(what) answered a Token that cannot be sent in a header")
            }
            token = value
        } else if requireToken {
            throw CredentialError(.malformedAnswer, "\(what) answered credentials without a Token")
        }
        guard let text = fields.expiration else {
            throw CredentialError(.malformedAnswer, "\(what) answered credentials without an Expiration")
        }
        guard let expiration = Timestamp.seconds(iso8601: text) else {
            throw CredentialError(
                .malformedAnswer, "\(what) answered an Expiration that is not an ISO 8601 time: \(printable(text))")
        }
        return SigningCredentials(
            accessKeyID: accessKeyID, secretAccessKey: secret, sessionToken: token, expiration: expiration)
    }

    /// Printable ASCII without spaces: what may go into a header value or a credential scope as is.
    static func isHeaderToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    /// A short, printable rendering of a field for an error sentence (only for fields that are not
    /// secret: codes, times, names).
    static func printable(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where scalar.value >= 0x20 && scalar.value != 0x7F {
            guard cleaned.count < 80 else { break }
            cleaned.append(scalar)
        }
        return "'\(String(cleaned))'"
    }
}
