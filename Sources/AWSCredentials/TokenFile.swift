internal import Foundation

/// Reads the token files the chain names (`AWS_WEB_IDENTITY_TOKEN_FILE`,
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`): on every call, because kubelet and the EKS Pod Identity
/// agent rotate them in place.
enum TokenFile {
    /// The largest token read (service account tokens are a few KiB).
    static let maxBytes = 64 * 1024

    /// The file's text without its trailing line break and spaces.
    ///
    /// - Throws: ``CredentialError/Reason/misconfigured`` when the file cannot be read, is empty, is
    ///   larger than ``maxBytes``, or holds a line break, a control character or non-ASCII bytes
    ///   (the token goes into a header or a form field as is).
    static func read(_ path: String, variable: String) throws(CredentialError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CredentialError(.misconfigured, "cannot read \(variable) (\(path))")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw CredentialError(.misconfigured, "cannot read \(variable) (\(path))")
        }
        guard data.count <= maxBytes else {
            throw CredentialError(.misconfigured, "\(variable) (\(path)) is larger than \(maxBytes) bytes")
        }
        var bytes = Array(data)
        while let last = bytes.last, last == 0x0A || last == 0x0D || last == 0x20 || last == 0x09 {
            bytes.removeLast()
        }
        guard !bytes.isEmpty else {
            throw CredentialError(.misconfigured, "\(variable) (\(path)) is empty")
        }
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw CredentialError(
                .misconfigured, "\(variable) (\(path)) holds a line break or a byte that cannot be sent as a token")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
