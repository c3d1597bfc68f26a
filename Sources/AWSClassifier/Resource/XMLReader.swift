internal import SigV4

/// The minimal, strict XML tokenizer behind ``DeleteObjectsBody`` and the STS answers AWSCredentials
/// reads: opening and closing tags (attributes allowed on opening ones) and character data; anything
/// else (comments, CDATA, DOCTYPE, processing instructions, namespace prefixes, `<Empty/>`) reads as
/// `nil`, so a caller that cannot read a document refuses it.
package struct XMLReader {
    /// A tag: `<Name …>` or `</Name>`.
    package enum Tag: Equatable {
        case open(String)
        case close(String)
    }

    /// The document.
    package let bytes: [UInt8]
    /// Where reading continues.
    package var index = 0

    /// A reader at the start of `bytes`.
    package init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Whether every byte has been read.
    package var atEnd: Bool { index == bytes.count }

    /// Skips spaces, tabs, CR and LF.
    package mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    /// Whether the unread bytes start with `text`.
    package func startsWith(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        return index + utf8.count <= bytes.count && Array(bytes[index..<index + utf8.count]) == utf8
    }

    /// Skips past the next `text`; `false` (at the end) when there is none.
    package mutating func skip(past text: String) -> Bool {
        let utf8 = Array(text.utf8)
        while index + utf8.count <= bytes.count {
            if Array(bytes[index..<index + utf8.count]) == utf8 {
                index += utf8.count
                return true
            }
            index += 1
        }
        return false
    }

    /// `<Name attr="…">` or `</Name>`; `nil` for anything else (comments, CDATA, prefixes, `/>`).
    package mutating func tag() -> Tag? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "<") else { return nil }
        index += 1
        var closing = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "/") {
            closing = true
            index += 1
        }
        let start = index
        while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
        guard index > start else { return nil }
        let name = String(decoding: bytes[start..<index], as: UTF8.self)
        // Attributes (the namespace declaration) are allowed on an opening tag, quoted, without '<'
        // or '>' in their values.
        var quote: UInt8?
        while index < bytes.count {
            let byte = bytes[index]
            if let open = quote {
                if byte == open { quote = nil }
                if byte == UInt8(ascii: "<") { return nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                guard !closing else { return nil }
                quote = byte
            } else if byte == UInt8(ascii: ">") {
                index += 1
                return closing ? .close(name) : .open(name)
            } else if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "<") {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// Character data up to the next `<`, as an XML reader delivers it (`nil` when malformed): line
    /// ends normalized first (XML 1.0 section 2.11: CR LF and a lone CR are read as LF, so S3 reads
    /// `a\r\nb` as `a\nb`; a `&#13;` reference stays CR), then the five predefined entities and
    /// numeric character references decoded. A reference with anything but digits (`&#+65;`) or to a
    /// character XML does not allow (`&#0;`), and a raw control character, are malformed.
    package mutating func text() -> String? {
        var out: [UInt8] = []
        while index < bytes.count, bytes[index] != UInt8(ascii: "<") {
            let byte = bytes[index]
            guard byte != UInt8(ascii: ">") else { return nil }
            if byte == UInt8(ascii: "\r") {
                out.append(UInt8(ascii: "\n"))
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "\n") { index += 1 }
            } else if byte < 0x20, byte != UInt8(ascii: "\t"), byte != UInt8(ascii: "\n") {
                return nil
            } else if byte == UInt8(ascii: "&") {
                guard let end = bytes[index...].firstIndex(of: UInt8(ascii: ";")), end - index <= 10 else { return nil }
                let entity = String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
                switch entity {
                case "amp": out.append(UInt8(ascii: "&"))
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    guard let scalar = Self.characterReference(entity) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
                index = end + 1
            } else {
                out.append(byte)
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// The character of a numeric reference's text (`#65`, `#x41`): digits only, and a character XML
    /// allows (tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
    package static func characterReference(_ entity: String) -> Unicode.Scalar? {
        var digits = Substring(entity)
        guard digits.hasPrefix("#") else { return nil }
        digits = digits.dropFirst()
        let hex = digits.hasPrefix("x")
        if hex { digits = digits.dropFirst() }
        guard !digits.isEmpty,
            digits.utf8.allSatisfy({ hex ? Hex.value(ofDigit: $0) != nil : ($0 >= 0x30 && $0 <= 0x39) }),
            let value = UInt32(digits, radix: hex ? 16 : 10), let scalar = Unicode.Scalar(value)
        else { return nil }
        switch value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return scalar
        default: return nil
        }
    }

    /// `A-Z a-z 0-9`: the bytes of the element names this reader accepts.
    package static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
    }
}
