internal import Foundation

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

    static func parseIPv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let octet = UInt32(part), octet <= 255,
                part.count == 1 || part.first != "0"
            else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func parseIPv6(_ text: Substring) -> (UInt64, UInt64)? {
        guard text.contains(":"), text.count <= 45 else { return nil }
        var groups: [UInt16] = []
        var tailStart: Int?
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func parse(_ part: String, allowIPv4: Bool) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if allowIPv4, index == pieces.count - 1, piece.contains("."), let v4 = parseIPv4(piece) {
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                result.append(value)
            }
            return result
        }
        if halves.count == 2 {
            guard let head = parse(halves[0], allowIPv4: false), let tail = parse(halves[1], allowIPv4: true),
                head.count + tail.count <= 7
            else { return nil }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
            tailStart = head.count
        } else {
            guard let all = parse(halves[0], allowIPv4: true), all.count == 8 else { return nil }
            groups = all
        }
        _ = tailStart
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, group) in groups.enumerated() {
            if index < 4 { high = high << 16 | UInt64(group) } else { low = low << 16 | UInt64(group) }
        }
        return (high, low)
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
