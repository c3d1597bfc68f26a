internal import AuthzCore
internal import SigV4

/// Parses an ICAP request head and the encapsulated HTTP request head from bytes: CRLF line ends,
/// token names, no folded lines, no control characters in values; every failure a typed ICAP error.
package enum ICAPHeadParser {
    /// The bytes of a head's lines (without the final empty line): request line and header lines.
    static func lines(_ bytes: ArraySlice<UInt8>) throws(ICAPError) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == 0x0A {
                guard index > start, bytes[index - 1] == 0x0D else { throw .badRequest("a line ends without CRLF") }
                lines.append(bytes[start..<(index - 1)])
                start = index + 1
            } else if byte == 0x0D, index + 1 < bytes.endIndex, bytes[index + 1] != 0x0A {
                throw .badRequest("a bare CR")
            }
            index += 1
        }
        guard start == bytes.endIndex else { throw .badRequest("a head does not end with CRLF") }
        return lines
    }

    /// A header line: `name: value` with a token name; the value without surrounding spaces.
    static func header(_ line: ArraySlice<UInt8>) throws(ICAPError) -> HeaderField {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else {
            throw .badRequest("a header line without a name")
        }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenByte) else { throw .badRequest("a header name is not a token") }
        var value = line[(colon + 1)...]
        while let first = value.first, first == 0x20 || first == 0x09 { value = value.dropFirst() }
        while let last = value.last, last == 0x20 || last == 0x09 { value = value.dropLast() }
        guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
            throw .badRequest("a control character in a header value")
        }
        return HeaderField(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
    }

    /// RFC 9110 token characters.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    /// A request line's three parts, split on single spaces; each non-empty and without control bytes.
    static func requestLine(_ line: ArraySlice<UInt8>) throws(ICAPError) -> (String, String, String) {
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 > 0x20 && $0 != 0x7F } }) else {
            throw .badRequest("a malformed request line")
        }
        return (
            String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self),
            String(decoding: parts[2], as: UTF8.self)
        )
    }

    /// Parses an ICAP head (request line and headers, the final empty line excluded) for `service`.
    /// Order of the checks: the syntax (400), the version (505), the method (405), the service (404),
    /// then the headers this service reads (400).
    package static func parseICAPHead(
        _ bytes: ArraySlice<UInt8>, service: String
    ) throws(ICAPError)
        -> ICAPRequestHead
    {
        let lines = try lines(bytes)
        guard let first = lines.first else { throw .badRequest("an empty head") }
        let (methodText, uri, version) = try requestLine(first)
        var headers: [HeaderField] = []
        for line in lines.dropFirst() {
            if let byte = line.first, byte == 0x20 || byte == 0x09 { throw .badRequest("a folded header line") }
            headers.append(try header(line))
        }
        guard version == "ICAP/1.0" else {
            if version.hasPrefix("ICAP/") { throw ICAPError(505, "only ICAP/1.0 is served") }
            throw .badRequest("not an ICAP request")
        }
        guard methodText.utf8.allSatisfy(isTokenByte) else { throw .badRequest("a malformed method") }
        guard let method = ICAPMethod(rawValue: methodText) else {
            throw ICAPError(405, "only OPTIONS and REQMOD are served")
        }
        guard servicePath(of: uri) == "/" + service else { throw ICAPError(404, "no such ICAP service") }

        var encapsulated: [EncapsulatedSection] = []
        var preview: Int?
        var allows204 = false
        var close = false
        var seenEncapsulated = false
        for field in headers {
            switch field.name.lowercased() {
            case "encapsulated":
                guard !seenEncapsulated else { throw .badRequest("Encapsulated twice") }
                seenEncapsulated = true
                encapsulated = try EncapsulatedHeader.parse(field.value)
            case "preview":
                guard preview == nil else { throw .badRequest("Preview twice") }
                guard (1...9).contains(field.value.utf8.count),
                    field.value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let size = Int(field.value)
                else { throw .badRequest("a malformed Preview") }
                preview = size
            case "allow":
                if field.value.split(separator: ",").contains(where: { $0.trimmingOWS == "204" }) { allows204 = true }
            case "connection":
                if field.value.split(separator: ",").contains(where: { $0.trimmingOWS.lowercased() == "close" }) {
                    close = true
                }
            default:
                break
            }
        }
        return ICAPRequestHead(
            method: method, headers: headers, encapsulated: encapsulated, preview: preview, allows204: allows204,
            close: close)
    }

    /// The path of an ICAP URI: `icap://host[:port]/path[?query]` or `/path[?query]`.
    static func servicePath(of uri: String) -> Substring? {
        var rest = Substring(uri)
        if rest.lowercased().hasPrefix("icap://") {
            rest = rest.dropFirst("icap://".count)
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            rest = rest[slash...]
        }
        guard rest.hasPrefix("/") else { return nil }
        return rest.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first
    }

    /// Parses the encapsulated HTTP request head (`req-hdr`: exactly its bytes, ending with the empty
    /// line). The authority is the absolute-form URI's (`http://` or `https://`), else, for origin-form,
    /// the one `Host` header; CONNECT's authority-form target is its own authority.
    package static func parseHTTPHead(_ bytes: ArraySlice<UInt8>) throws(ICAPError) -> EncapsulatedRequest {
        guard bytes.count >= 4, bytes.suffix(4).elementsEqual([0x0D, 0x0A, 0x0D, 0x0A]) else {
            throw .badRequest("req-hdr does not end with an empty line at the req-body offset")
        }
        let lines = try lines(bytes.dropLast(2))
        guard let first = lines.first else { throw .badRequest("an empty HTTP head") }
        let (method, rawTarget, version) = try requestLine(first)
        guard method.utf8.allSatisfy(isTokenByte) else { throw .badRequest("a malformed HTTP method") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else { throw .badRequest("not an HTTP/1.x request") }
        var headers: [HeaderField] = []
        for line in lines.dropFirst() {
            guard !line.isEmpty else { throw .badRequest("an empty line inside req-hdr") }
            if let byte = line.first, byte == 0x20 || byte == 0x09 { throw .badRequest("a folded header line") }
            headers.append(try header(line))
        }
        let host: String
        let target: String
        let lowered = rawTarget.lowercased()
        if lowered.hasPrefix("http://") || lowered.hasPrefix("https://") {
            let rest = rawTarget.drop { $0 != ":" }.dropFirst(3)
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            host = String(rest[..<authorityEnd])
            let path = rest[authorityEnd...]
            target = path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path)
        } else if rawTarget.hasPrefix("/") {
            let hosts = headers.filter { $0.name.lowercased() == "host" }
            guard hosts.count == 1 else { throw .badRequest("an origin-form request needs exactly one Host") }
            host = hosts[0].value
            target = rawTarget
        } else if method == "CONNECT" {
            host = rawTarget
            target = rawTarget
        } else {
            throw .badRequest("an HTTP request target that is neither absolute-form nor origin-form")
        }
        guard !host.isEmpty, !host.contains("@") else { throw .badRequest("an HTTP request without an authority") }
        return EncapsulatedRequest(
            method: method, rawTarget: rawTarget, version: version, host: host, target: target, headers: headers)
    }
}
