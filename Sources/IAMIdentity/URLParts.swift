/// An absolute `https` URL split by its exact grammar: `https://HOST[:443]/PATH?QUERY`, no userinfo,
/// no other port, no fragment. Not Foundation's URL parser: every byte is hostile.
struct URLParts {
    /// The host, lower case, without port.
    let host: String
    /// The path, as in the URL.
    let path: Substring
    /// The query after `?` (empty when there is none).
    let query: Substring

    /// Splits `url` (printable ASCII).
    init(_ url: Substring) throws(IdentityTokenError) {
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else {
            throw IdentityTokenError(.url, "the token does not decode to an absolute URL (scheme://host/?query)")
        }
        let scheme = url[..<colon].lowercased()
        guard scheme == "https" else {
            throw IdentityTokenError(
                .scheme,
                scheme == "http"
                    ? "the URL is http: STS is called over https only" : "the URL's scheme is not https")
        }
        guard !url.contains("#") else {
            throw IdentityTokenError(.url, "the URL has a fragment (`#`): a presigned URL has none")
        }
        let rest = url[url.index(colon, offsetBy: 3)...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        guard !authority.contains("@") else {
            throw IdentityTokenError(.url, "the URL has userinfo (`@` in its authority): remove it")
        }
        guard !authority.hasPrefix("[") else {
            throw IdentityTokenError(.host, "the URL's host is an IP address: it must be an STS endpoint's name")
        }
        if let colon = authority.firstIndex(of: ":") {
            guard authority[authority.index(after: colon)...] == "443" else {
                throw IdentityTokenError(.url, "the URL names a port: STS is called on 443 only")
            }
            authority = authority[..<colon]
        }
        guard !authority.isEmpty else {
            throw IdentityTokenError(.url, "the URL has no host")
        }
        guard
            authority.utf8.allSatisfy({ byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: ".")
            })
        else {
            throw IdentityTokenError(.host, "the URL's host has characters other than letters, digits, `-` and `.`")
        }
        self.host = authority.lowercased()
        let target = rest[authorityEnd...]
        if let question = target.firstIndex(of: "?") {
            self.path = target[..<question]
            self.query = target[target.index(after: question)...]
        } else {
            self.path = target
            self.query = ""
        }
    }
}
