internal import Policy

/// The wildcard rules of `suggest` (docs/suggest.md "Wildcards").
enum Wildcards {
    /// The deepest prefix looked at: boundaries past it are not wildcard points.
    static let maxDepth = 32

    /// Every value as it is, sorted.
    static func exact(_ counts: [Pattern: Int]) -> [SuggestedPattern] {
        counts.keys.sorted().map { exact($0, counts[$0] ?? 0) }
    }

    static func exact(_ pattern: Pattern, _ requests: Int) -> SuggestedPattern {
        SuggestedPattern(
            pattern: pattern.text, requests: requests, covers: [],
            note: pattern.approximated ? "'?' stands for a space, control or non-ASCII byte a pattern cannot hold" : nil
        )
    }

    /// The verb of an action name, with its service: `s3:GetObject` → `s3:Get`, `es:ESHttpGet` →
    /// `es:ES` (a run of capitals followed by a lower-case letter leaves its last capital to the next
    /// word); `nil` when the name does not start with a capital.
    static func verbPrefix(_ action: String) -> String? {
        let parts = action.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let name = Array(parts[1].utf8)
        func upper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }
        guard let first = name.first, upper(first) else { return nil }
        var end = 1
        if end < name.count, upper(name[end]) {
            while end < name.count, upper(name[end]) { end += 1 }
            if end < name.count, end > 1 { end -= 1 }
        } else {
            while end < name.count, !upper(name[end]) { end += 1 }
        }
        return "\(parts[0]):\(String(decoding: name[..<end], as: UTF8.self))"
    }

    /// Actions: `svc:Verb*` for at least `minimum` distinct actions of that verb, unless it matches an
    /// action of a left-out deny record (`refused`) in the statement's scope; the rest as they are.
    static func actions(_ counts: [Pattern: Int], min minimum: Int, refused: [String]) -> [SuggestedPattern] {
        guard minimum >= 2 else { return exact(counts) }
        var byVerb: [String: [Pattern]] = [:]
        var out: [SuggestedPattern] = []
        for pattern in counts.keys.sorted() {
            if let verb = verbPrefix(pattern.text) {
                byVerb[verb.lowercased(), default: []].append(pattern)
            } else {
                out.append(exact(pattern, counts[pattern] ?? 0))
            }
        }
        for key in byVerb.keys.sorted() {
            guard let members = byVerb[key], let first = members.first, let verb = verbPrefix(first.text) else {
                continue
            }
            let wildcard = verb + "*"
            let glob = Glob(wildcard, caseInsensitive: true)
            if members.count >= minimum, !refused.contains(where: { glob.matches($0.lowercased()) }) {
                out.append(
                    SuggestedPattern(
                        pattern: wildcard, requests: members.reduce(0) { $0 + (counts[$1] ?? 0) },
                        covers: members.map(\.text), note: nil))
            } else {
                out += members.map { exact($0, counts[$0] ?? 0) }
            }
        }
        return out.sorted { $0.pattern < $1.pattern }
    }

    /// Resources or paths: a prefix ending at `/` or `:`, at least `fixedLength` long for every value it
    /// stands for, followed by `*`, where at least `minimum` distinct values share it and either they
    /// go on in at least `minimum` different ways right after it, or at least `minimum` of them are
    /// not taken by a deeper wildcard (the deepest such prefix wins); never one matching a value of
    /// `refused`.
    static func prefixes(
        _ counts: [Pattern: Int], min minimum: Int, refused: [String], fixedLength: (String) -> Int?
    ) -> [SuggestedPattern] {
        guard minimum >= 2, counts.count >= minimum else { return exact(counts) }
        let members = counts.keys.sorted()
        let out = cover(
            prefix: 0, members: members, depth: 0, minimum: minimum, counts: counts, refused: refused,
            fixedLength: fixedLength)
        return out.sorted { $0.pattern < $1.pattern }
    }

    /// The patterns for `members`, which share their first `prefix` bytes.
    static func cover(
        prefix: Int, members: [Pattern], depth: Int, minimum: Int, counts: [Pattern: Int], refused: [String],
        fixedLength: (String) -> Int?
    ) -> [SuggestedPattern] {
        var children: [String: [Pattern]] = [:]
        var leftovers: [Pattern] = []
        for member in members {
            let bytes = Array(member.text.utf8)
            var boundary: Int?
            if depth < maxDepth, prefix < bytes.count {
                boundary = bytes[prefix...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") }
            }
            if let boundary {
                children[String(decoding: bytes[...boundary], as: UTF8.self), default: []].append(member)
            } else {
                leftovers.append(member)
            }
        }
        // The distinct ways the values go on right after the prefix.
        let branches = children.count + leftovers.count
        var out: [SuggestedPattern] = []
        for key in children.keys.sorted() {
            guard let list = children[key] else { continue }
            if list.count >= minimum {
                out += cover(
                    prefix: key.utf8.count, members: list, depth: depth + 1, minimum: minimum, counts: counts,
                    refused: refused, fixedLength: fixedLength)
            } else {
                leftovers += list
            }
        }
        if prefix > 0, leftovers.count >= minimum || branches >= minimum, let first = members.first {
            let text = String(decoding: Array(first.text.utf8)[..<prefix], as: UTF8.self)
            let glob = Glob(text + "*")
            let longEnough = members.allSatisfy { member in fixedLength(member.text).map { prefix >= $0 } ?? false }
            if longEnough, !refused.contains(where: glob.matches) {
                return [
                    SuggestedPattern(
                        pattern: text + "*", requests: members.reduce(0) { $0 + (counts[$1] ?? 0) },
                        covers: members.map(\.text), note: nil)
                ]
            }
        }
        return out + leftovers.map { exact($0, counts[$0] ?? 0) }
    }

    /// The shortest prefix of an ARN a wildcard may end at: past the account field; when the account
    /// field is empty (S3 buckets, API Gateway, OpenSearch), past the resource's first part too (the
    /// bucket, API id or domain), which is what names the owner. `nil`: never.
    static func arnFixedLength(_ arn: String) -> Int? {
        let bytes = Array(arn.utf8)
        var colons: [Int] = []
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: ":") {
            colons.append(index)
            if colons.count == 5 { break }
        }
        guard bytes.starts(with: "arn:".utf8), colons.count == 5 else { return nil }
        let afterAccount = colons[4] + 1
        if colons[4] > colons[3] + 1 { return afterAccount }
        guard
            let boundary = bytes[afterAccount...].firstIndex(where: {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":")
            }), boundary > afterAccount
        else { return nil }
        return boundary + 1
    }

    /// The shortest prefix of a path a wildcard may end at: past its first segment (`/v1/`), never the
    /// host's whole path space. `nil`: never.
    static func pathFixedLength(_ path: String) -> Int? {
        let bytes = Array(path.utf8)
        guard bytes.first == UInt8(ascii: "/"), bytes.count > 1,
            let second = bytes[1...].firstIndex(of: UInt8(ascii: "/")), second > 1
        else { return nil }
        return second + 1
    }
}

/// The syntax checks made of record values before a pattern is made of them.
enum Syntax {
    static func isAccount(_ text: String) -> Bool {
        text.utf8.count == 12 && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func isLowerName(_ text: String, extra: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || extra.unicodeScalars.contains($0)
            }
    }

    static func isRegion(_ text: String) -> Bool { isLowerName(text, extra: "-") }

    static func isService(_ text: String) -> Bool { isLowerName(text, extra: "-.") }

    /// The lower-cased service part of `service:Action` (ASCII letters and digits, `-` in the service),
    /// or `nil` when the action is not one.
    static func actionService(_ action: String) -> String? {
        let parts = action.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, action.utf8.count <= 256 else { return nil }
        func alphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
        }
        guard parts[0].unicodeScalars.allSatisfy({ alphanumeric($0) || $0 == "-" }),
            parts[1].unicodeScalars.allSatisfy(alphanumeric)
        else { return nil }
        return parts[0].lowercased()
    }

    /// The host lower-cased without its port, when it is a DNS name (letters, digits, `-`, `.`, a
    /// first label); else `nil`.
    static func hostName(_ text: String) -> String? {
        var host = Substring(text.lowercased())
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return nil
            }
            host = host[..<colon]
        }
        guard !host.isEmpty, host.utf8.count <= 253, !host.hasPrefix("."),
            host.unicodeScalars.allSatisfy({
                ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "-" || $0 == "."
            })
        else { return nil }
        return String(host)
    }

    static func isMethod(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 32 && text.unicodeScalars.allSatisfy { $0 >= "A" && $0 <= "Z" }
    }

    /// Whether `text` may be part of a rule name as it is.
    static func isNamePart(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 64
            && text.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9") || $0 == "-"
                    || $0 == "_" || $0 == "."
            }
    }

    /// `text` as a rule name part: other characters become `-`, at most 64.
    static func namePart(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(64) {
            let keep =
                (scalar >= "a" && scalar <= "z") || (scalar >= "A" && scalar <= "Z") || (scalar >= "0" && scalar <= "9")
                || scalar == "_" || scalar == "."
            out.unicodeScalars.append(keep ? scalar : "-")
        }
        return out.isEmpty ? "x" : out
    }

    /// The path percent-decoded as the engine decodes it for `paths` conditions, or `nil` when it
    /// cannot be read one way only: bad escapes, an encoded `/`, `\`, `%` or control character, a `\`,
    /// an empty, `.` or `..` segment, non-UTF-8 bytes. (The tests hold it to the engine's reading.)
    static func decodedPath(_ path: String) -> String? {
        let raw = Array(path.utf8)
        guard raw.first == UInt8(ascii: "/"), raw.count <= 8192 else { return nil }
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.count, let high = hex(raw[index + 1]), let low = hex(raw[index + 2]) else {
                    return nil
                }
                let value = high << 4 | low
                if value == UInt8(ascii: "/") || value == UInt8(ascii: "\\") || value == UInt8(ascii: "%")
                    || value < 0x20 || value == 0x7F
                {
                    return nil
                }
                bytes.append(value)
                index += 3
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { return nil }
        for byte in decoded.utf8 where byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") { return nil }
        let segments = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (offset, segment) in segments.enumerated() {
            if segment == "." || segment == ".." { return nil }
            if segment.isEmpty, offset != segments.count - 1 { return nil }
        }
        return decoded
    }
}
