/// An IPv4 or IPv6 address as 128 bits (IPv4 as an IPv4-mapped IPv6 address).
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    let high: UInt64
    let low: UInt64
    /// Whether the address was written as IPv4.
    public let isIPv4: Bool
    /// The address as written.
    public let description: String

    /// Parses `192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`, `::ffff:192.0.2.1`; `nil` for anything else.
    public init?(_ text: some StringProtocol) {
        var text = Substring(text)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let v4 = Self.parseIPv4(text) {
            high = 0
            low = 0x0000_FFFF_0000_0000 | UInt64(v4)
            isIPv4 = true
        } else if let (h, l) = Self.parseIPv6(text) {
            high = h
            low = l
            isIPv4 = false
        } else {
            return nil
        }
        description = String(text)
    }

    /// A client address as proxies report it (Envoy's socket address, a header, Squid's `%>a`):
    /// `10.0.0.1`, `10.0.0.1:5555`, `[::1]`, `[::1]:5555` or `::1`; `nil` for anything else. The address
    /// of an IPv4 text without a port is the text itself (no copy).
    package init?(socketAddress text: String) {
        // No bracket: at most one colon is `v4[:port]` (an IPv6 address has at least two). One pass
        // over the bytes: how many colons (0, 1, more), where the first is, and the IPv4 before it.
        var text = text
        text.makeContiguousUTF8()  // a native string already is: no copy
        if let found = text.utf8.withContiguousStorageIfAvailable(Self.scanSocketAddress) ?? nil {
            if found.colons <= 1 {
                guard let v4 = found.v4 else { return nil }
                let utf8 = text.utf8
                self.init(
                    high: 0, low: 0x0000_FFFF_0000_0000 | UInt64(v4), isIPv4: true,
                    description: found.colons == 0
                        ? text : String(text[..<utf8.index(utf8.startIndex, offsetBy: found.firstColon)]))
                return
            }
            self.init(text)
            return
        }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            // `[v6]` or `[v6]:port`.
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || rest.hasPrefix(":") else { return nil }
            self.init(text[text.index(after: text.startIndex)..<close])
            return
        }
        self.init(text)
    }

    /// ``init(socketAddress:)``'s one pass over the bytes: how many colons (0, 1, more), where the first
    /// is, and the IPv4 address before it; `nil` for a bracketed text.
    private static func scanSocketAddress(
        _ bytes: UnsafeBufferPointer<UInt8>
    ) -> (colons: Int, firstColon: Int, v4: UInt32?)? {
        guard let first = bytes.first, first != UInt8(ascii: "[") else { return nil }
        var colons = 0
        var firstColon = bytes.count
        for index in bytes.indices where bytes[index] == UInt8(ascii: ":") {
            colons += 1
            if colons == 1 { firstColon = index } else { break }
        }
        guard colons <= 1 else { return (colons, firstColon, nil) }
        return (colons, firstColon, parseIPv4(UnsafeBufferPointer(rebasing: bytes[..<firstColon])))
    }

    private init(high: UInt64, low: UInt64, isIPv4: Bool, description: String) {
        self.high = high
        self.low = low
        self.isIPv4 = isIPv4
        self.description = description
    }

    /// Four decimal octets, each `0`–`255` without a leading zero; nothing else (no sign, no spaces).
    static func parseIPv4(_ text: Substring) -> UInt32? {
        parseIPv4(text.utf8)
    }

    /// ``parseIPv4(_:)-(Substring)`` over UTF-8 bytes.
    static func parseIPv4(_ bytes: some Collection<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | octet
                octet = 0
                digits = 0
                dots += 1
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 3, digits == 0 || octet != 0 else {
                return nil
            }
            octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
            guard octet <= 255 else { return nil }
            digits += 1
        }
        guard dots == 3, digits > 0 else { return nil }
        return value << 8 | octet
    }

    /// RFC 4291 text: up to eight groups of one to four hex digits, at most one `::` standing for at
    /// least one zero group, optionally ending in an IPv4 address; no zone, no sign.
    static func parseIPv6(_ text: Substring) -> (UInt64, UInt64)? {
        let bytes = text.utf8
        guard bytes.count >= 2, bytes.count <= 45 else { return nil }
        var groups = InlineArray<8, UInt16>(repeating: 0)
        var count = 0
        var gap = -1  // where `::` stands, as a group index
        var index = bytes.startIndex
        let end = bytes.endIndex
        let colon = UInt8(ascii: ":")
        if bytes[index] == colon {
            index = bytes.index(after: index)
            guard index < end, bytes[index] == colon else { return nil }
            gap = 0
            index = bytes.index(after: index)
        }
        while index < end {
            let groupStart = index
            var value: UInt32 = 0
            var digits = 0
            while index < end, let digit = Self.hexValue(bytes[index]) {
                value = value << 4 | UInt32(digit)
                digits += 1
                guard digits <= 4 else { return nil }
                index = bytes.index(after: index)
            }
            if index < end, bytes[index] == UInt8(ascii: ".") {
                // An IPv4 tail: the rest of the text, in the last two groups.
                guard count <= 6, let v4 = parseIPv4(text[groupStart..<end]) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xFFFF)
                count += 2
                break
            }
            guard digits > 0, count < 8 else { return nil }
            groups[count] = UInt16(value)
            count += 1
            guard index < end else { break }
            guard bytes[index] == colon else { return nil }
            index = bytes.index(after: index)
            guard index < end else { return nil }  // a single trailing colon
            if bytes[index] == colon {
                guard gap < 0 else { return nil }
                gap = count
                index = bytes.index(after: index)
            }
        }
        if gap >= 0 {
            guard count <= 7 else { return nil }
            // Move the groups after the gap to the end.
            let tail = count - gap
            var moved = InlineArray<8, UInt16>(repeating: 0)
            for position in 0..<gap { moved[position] = groups[position] }
            for position in 0..<tail { moved[8 - tail + position] = groups[gap + position] }
            groups = moved
        } else {
            guard count == 8 else { return nil }
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for position in 0..<4 { high = high << 16 | UInt64(groups[position]) }
        for position in 4..<8 { low = low << 16 | UInt64(groups[position]) }
        return (high, low)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// An address range: `10.0.0.0/8`, `2001:db8::/32`, or a single address.
public struct CIDR: Sendable, Hashable, CustomStringConvertible {
    let network: IPAddress
    let prefixLength: Int
    /// The range as written.
    public let description: String

    /// Parses `address/length` (or a bare address, a /32 or /128); `nil` when malformed or when
    /// host bits are set (`10.0.0.1/8` is refused: it is almost always a typo).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let address = IPAddress(parts[0]) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...maximum).contains(parsed), parts[1].allSatisfy(\.isNumber) else {
                return nil
            }
            length = parsed
        }
        let bits = address.isIPv4 ? length + 96 : length
        guard Self.masked(address, bits) == (address.high, address.low) else { return nil }
        self.network = address
        self.prefixLength = bits
        self.description = text
    }

    static func masked(_ address: IPAddress, _ bits: Int) -> (UInt64, UInt64) {
        let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : ~(UInt64.max >> bits))
        let lowMask: UInt64 = bits >= 128 ? .max : (bits <= 64 ? 0 : ~(UInt64.max >> (bits - 64)))
        return (address.high & highMask, address.low & lowMask)
    }

    /// Whether `address` is in the range.
    public func contains(_ address: IPAddress) -> Bool {
        Self.masked(address, prefixLength) == (network.high, network.low)
    }
}
