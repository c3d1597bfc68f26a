/// The one `%XX` decoder of the pure libraries (SigV4's query credential, AWSClassifier's query,
/// form and path readers, ``PercentEncoding/decodeStrictly(_:)`` for Squid's helper protocol).
///
/// A valid escape is `%` and two hex digits of either case. Readers differ in two ways, and each
/// says which it wants:
/// - `plusAsSpace`: a literal `+` becomes a space (forms and query strings as AWS's query protocol
///   reads them); an escaped `%2B` is always `+`.
/// - bad escapes (a `%` not followed by two hex digits): ``decode(_:plusAsSpace:)`` and
///   ``string(_:plusAsSpace:)`` return `nil`; the `keepingBadEscapes` forms keep the `%` as a
///   literal byte and go on with the byte after it (`%zz` stays `%zz`, `%%41` is `%A`), as SigV4's
///   canonical query and the AWS services' own readers do.
///
/// The byte forms do not look at UTF-8: decoded bytes are returned as they are. The string forms
/// follow the same split: ``string(_:plusAsSpace:)`` returns `nil` for bytes that are not valid
/// UTF-8, ``string(keepingBadEscapes:plusAsSpace:)`` replaces each invalid sequence with U+FFFD.
package enum PercentDecoding {
    /// Calls `body` with each byte of `bytes` decoded while it returns `true`, keeping bad escapes (and
    /// `+`) as they are; whether every byte was taken. Nothing is allocated: for readers that compare or
    /// copy the decoded bytes in place (the presigned query's parameters, the route matcher's path
    /// segments).
    @inlinable
    package static func forEachDecodedByte(
        keepingBadEscapes bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt8) -> Bool
    ) -> Bool {
        var index = 0
        let end = bytes.count
        while index < end {
            var byte = bytes[index]
            index += 1
            if byte == UInt8(ascii: "%"), index + 1 < end, let high = Hex.value(ofDigit: bytes[index]),
                let low = Hex.value(ofDigit: bytes[index + 1])
            {
                byte = high << 4 | low
                index += 2
            }
            guard body(byte) else { return false }
        }
        return true
    }

    /// `text` decoded; `nil` when a `%` is not followed by two hex digits.
    package static func decode(_ text: some Collection<UInt8>, plusAsSpace: Bool) -> [UInt8]? {
        let (bytes, clean) = decoded(text, plusAsSpace: plusAsSpace)
        return clean ? bytes : nil
    }

    /// `text` decoded, with a `%` not followed by two hex digits kept as it is.
    package static func decode(keepingBadEscapes text: some Collection<UInt8>, plusAsSpace: Bool) -> [UInt8] {
        decoded(text, plusAsSpace: plusAsSpace).bytes
    }

    /// `text` decoded as UTF-8; `nil` for a bad escape or for bytes that are not valid UTF-8.
    package static func string(_ text: some StringProtocol, plusAsSpace: Bool) -> String? {
        // A native string's bytes in place: one scan, and the decoded text written once.
        if let decoded = text.utf8.withContiguousStorageIfAvailable({
            decodedString(of: $0, plusAsSpace: plusAsSpace, keepingBadEscapes: false)
        }) {
            switch decoded {
            case .unchanged: return String(text)
            case .decoded(let string): return string
            case .invalid: return nil
            }
        }
        guard needsDecoding(text, plusAsSpace: plusAsSpace) else { return String(text) }
        return decode(text.utf8, plusAsSpace: plusAsSpace).flatMap { String(validating: $0, as: UTF8.self) }
    }

    /// `text` decoded as UTF-8, bad escapes kept as they are, invalid UTF-8 replaced with U+FFFD.
    package static func string(keepingBadEscapes text: some StringProtocol, plusAsSpace: Bool) -> String {
        if let decoded = text.utf8.withContiguousStorageIfAvailable({
            decodedString(of: $0, plusAsSpace: plusAsSpace, keepingBadEscapes: true)
        }) {
            switch decoded {
            case .unchanged, .invalid: return String(text)
            case .decoded(let string): return string
            }
        }
        guard needsDecoding(text, plusAsSpace: plusAsSpace) else { return String(text) }
        return String(decoding: decode(keepingBadEscapes: text.utf8, plusAsSpace: plusAsSpace), as: UTF8.self)
    }

    /// What decoding a text's bytes gave.
    private enum DecodedString {
        /// Nothing to decode: the text itself.
        case unchanged
        /// The decoded text (invalid UTF-8 replaced with U+FFFD when bad escapes are kept).
        case decoded(String)
        /// A bad escape, or bytes that are not valid UTF-8 (only when bad escapes are refused).
        case invalid
    }

    /// Decodes `bytes` into a string through a temporary buffer (on the stack when small): no array.
    private static func decodedString(
        of bytes: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool, keepingBadEscapes: Bool
    ) -> DecodedString {
        var first = 0
        while first < bytes.count {
            let byte = bytes[first]
            if byte == UInt8(ascii: "%") || (plusAsSpace && byte == UInt8(ascii: "+")) { break }
            first += 1
        }
        guard first < bytes.count else { return .unchanged }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count) { out in
            let (count, clean) = decode(bytes, plusAsSpace: plusAsSpace, into: out)
            let decoded = UnsafeBufferPointer(rebasing: out[0..<count])
            if keepingBadEscapes { return .decoded(String(decoding: decoded, as: UTF8.self)) }
            guard clean, let string = String(validating: decoded, as: UTF8.self) else { return .invalid }
            return .decoded(string)
        }
    }

    /// The decoding loop of ``decoded(_:plusAsSpace:)`` over bytes in place, writing into `out` (at
    /// least as long as `text`): the decoded length, and whether every escape was valid.
    private static func decode(
        _ text: UnsafeBufferPointer<UInt8>, plusAsSpace: Bool, into out: UnsafeMutableBufferPointer<UInt8>
    ) -> (count: Int, clean: Bool) {
        var count = 0
        var clean = true
        var index = 0
        let end = text.count
        while index < end {
            let byte = text[index]
            index += 1
            switch byte {
            case UInt8(ascii: "%"):
                if index < end, let high = Hex.value(ofDigit: text[index]), index + 1 < end,
                    let low = Hex.value(ofDigit: text[index + 1])
                {
                    out[count] = high << 4 | low
                    count += 1
                    index += 2
                    continue
                }
                clean = false
                out[count] = byte
            case UInt8(ascii: "+") where plusAsSpace:
                out[count] = UInt8(ascii: " ")
            default:
                out[count] = byte
            }
            count += 1
        }
        return (count, clean)
    }

    /// Whether decoding can change `text` (a `%`, or a `+` read as a space).
    private static func needsDecoding(_ text: some StringProtocol, plusAsSpace: Bool) -> Bool {
        text.utf8.contains { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }
    }

    /// The decoding loop: bad escapes kept literally, and whether there were none.
    private static func decoded(
        _ text: some Collection<UInt8>, plusAsSpace: Bool
    ) -> (bytes: [UInt8], clean: Bool) {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var clean = true
        var index = text.startIndex
        let end = text.endIndex
        while index < end {
            let byte = text[index]
            index = text.index(after: index)
            switch byte {
            case UInt8(ascii: "%"):
                if index < end, let high = Hex.value(ofDigit: text[index]) {
                    let next = text.index(after: index)
                    if next < end, let low = Hex.value(ofDigit: text[next]) {
                        out.append(high << 4 | low)
                        index = text.index(after: next)
                        continue
                    }
                }
                clean = false
                out.append(byte)
            case UInt8(ascii: "+") where plusAsSpace:
                out.append(UInt8(ascii: " "))
            default:
                out.append(byte)
            }
        }
        return (out, clean)
    }
}
