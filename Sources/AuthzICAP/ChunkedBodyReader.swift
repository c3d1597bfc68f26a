package import NIOCore

/// Reads an ICAP body (RFC 3507 §4.5: HTTP/1.1 chunked coding; chunk extensions tolerated, `ieof` on
/// the last chunk of a preview; no trailers) from a buffer, incrementally: it consumes what it can
/// and keeps its place between calls. Bounded: a chunk-size line is at most ``maxLineBytes``, a
/// size at most 16 hex digits and never past `Int.max`.
package struct ChunkedBodyReader: Sendable {
    /// What one call found.
    package enum Event: Equatable, Sendable {
        /// Nothing complete yet: more bytes are needed.
        case needMore
        /// Body bytes (already appended to the caller's body, or counted when over the limit).
        case data
        /// The zero-length chunk and the empty line after it; `ieof`: it carried the `ieof` extension.
        case end(ieof: Bool)
    }

    enum State: Sendable {
        /// Reading a chunk-size line.
        case size
        /// Reading this many more bytes of chunk data.
        case data(remaining: Int)
        /// Reading the CRLF after chunk data.
        case dataEnd
        /// Reading the empty line after the zero chunk.
        case trailer(ieof: Bool)
    }

    /// The longest chunk-size line (size and extensions).
    package static let maxLineBytes = 4096

    private var state = State.size

    /// Creates a reader at the start of a body (or of its remainder after `100 Continue`).
    package init() {}

    /// Consumes from `input`, appending chunk data to `body` while `body.count + n ≤ limit` and
    /// counting all of it in `size`; returns at the first event.
    package mutating func read(
        _ input: inout ByteBuffer, into body: inout [UInt8], size: inout Int, limit: Int
    ) throws(ICAPError) -> Event {
        while true {
            switch state {
            case .size:
                guard let line = try Self.line(&input) else { return .needMore }
                let (chunkSize, ieof) = try Self.chunkSize(line)
                state = chunkSize == 0 ? .trailer(ieof: ieof) : .data(remaining: chunkSize)
                if chunkSize > 0, ieof { throw .badRequest("ieof on a chunk that is not the last") }
            case .data(let remaining):
                guard input.readableBytes > 0 else { return .needMore }
                let count = min(remaining, input.readableBytes)
                let (sum, overflow) = size.addingReportingOverflow(count)
                size = overflow ? Int.max : sum
                if size <= limit, let bytes = input.readBytes(length: count) {
                    body.append(contentsOf: bytes)
                } else {
                    input.moveReaderIndex(forwardBy: count)
                }
                state = remaining == count ? .dataEnd : .data(remaining: remaining - count)
                return .data
            case .dataEnd:
                guard input.readableBytes >= 2 else { return .needMore }
                guard input.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw .badRequest("chunk data not followed by CRLF")
                }
                state = .size
            case .trailer(let ieof):
                guard input.readableBytes >= 2 else { return .needMore }
                guard input.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw .badRequest("trailers after the last chunk")
                }
                state = .size
                return .end(ieof: ieof)
            }
        }
    }

    /// One CRLF-terminated line (without it), or `nil` when incomplete; over the bound: an error.
    static func line(_ input: inout ByteBuffer) throws(ICAPError) -> ByteBufferView? {
        let view = input.readableBytesView
        guard let lf = view.firstIndex(of: 0x0A) else {
            if view.count > maxLineBytes { throw .badRequest("a chunk-size line too long") }
            return nil
        }
        let length = lf - view.startIndex
        guard length >= 1, length <= maxLineBytes, view[lf - 1] == 0x0D else {
            throw .badRequest("a malformed chunk-size line")
        }
        let line = view[view.startIndex..<(lf - 1)]
        input.moveReaderIndex(forwardBy: length + 1)
        return line
    }

    /// The size of a chunk-size line and whether it carries `ieof`: 1 to 16 hex digits, then
    /// optional `;`-separated extensions (`name[=value]`, with optional spaces).
    static func chunkSize(_ line: ByteBufferView) throws(ICAPError) -> (Int, Bool) {
        var size = 0
        var digits = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = hexValue(line[index]) {
            digits += 1
            guard digits <= 16 else { throw .badRequest("a chunk size too large") }
            let (shifted, overflow) = size.multipliedReportingOverflow(by: 16)
            guard !overflow else { throw .badRequest("a chunk size too large") }
            size = shifted + Int(digit)
            index += 1
        }
        guard digits > 0, size >= 0 else { throw .badRequest("a malformed chunk size") }
        let rest = String(decoding: line[index...], as: UTF8.self)
        var ieof = false
        let trimmed = Substring(rest).trimmingOWS
        if !trimmed.isEmpty {
            guard trimmed.hasPrefix(";") else { throw .badRequest("a malformed chunk extension") }
            for extensionText in trimmed.dropFirst().split(separator: ";", omittingEmptySubsequences: false) {
                let ext = extensionText.trimmingOWS
                let name = ext.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let nameTrimmed = name.trimmingOWS
                guard !nameTrimmed.isEmpty, nameTrimmed.utf8.allSatisfy(ICAPHeadParser.isTokenByte),
                    ext.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) })
                else { throw .badRequest("a malformed chunk extension") }
                if nameTrimmed.lowercased() == "ieof" { ieof = true }
            }
        }
        return (size, ieof)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }
}
