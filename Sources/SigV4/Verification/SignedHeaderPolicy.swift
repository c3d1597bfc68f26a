/// The rules about *which* headers must be signed, checked before (and without) any secret.
///
/// - `host` must be signed.
/// - For a header-signed request, the header that carries the time (`x-amz-date` or `date`) must
///   be signed.
/// - Every name in `SignedHeaders` must be present in the request (unless the caller has only some of
///   the request's headers: `headersArePartial`).
/// - S3 family: every `x-amz-*` header in the request must be signed, except `x-amz-content-sha256`.
///   (S3 itself refuses such requests; an unsigned `x-amz-*` header could otherwise change what an
///   allowed request does, such as `x-amz-copy-source`.)
public enum SignedHeaderPolicy {
    /// Checks `credential`'s signed headers against `request`.
    /// - Throws: ``SigV4Error`` with ``SigV4Error/Code/hostNotSigned``, ``SigV4Error/Code/dateNotSigned``,
    ///   ``SigV4Error/Code/signedHeaderMissing`` or ``SigV4Error/Code/unsignedAmzHeader``.
    public static func check(
        _ credential: SigV4Credential, request: SigV4Request, rules: CanonicalizationRules,
        headersArePartial: Bool = false
    )
        throws(SigV4Error)
    {
        // One pass over the list's bytes in place; the error (and its message) is made only on failure.
        var list = credential.signedHeaders
        let failure = list.withUTF8 { bytes in
            // Where each listed name is, in a table on the stack (the list is read once).
            var count = 1
            for byte in bytes where byte == UInt8(ascii: ";") { count += 1 }
            return withUnsafeTemporaryAllocation(of: Range<Int>.self, capacity: count) { names in
                var start = 0
                for index in 0..<count {
                    let end = ASCII.firstIndex(of: UInt8(ascii: ";"), in: bytes, from: start, to: bytes.count)
                    names.initializeElement(at: index, to: start..<end)
                    start = end + 1
                }
                let table = NameTable(list: bytes, names: UnsafeBufferPointer(names))
                return find(
                    in: table, source: credential.timestampSource, request: request, rules: rules,
                    headersArePartial: headersArePartial)
            }
        }
        guard let failure else { return }
        switch failure {
        case .hostNotSigned:
            throw SigV4Error(.hostNotSigned, "the host header must be signed")
        case .amzDateNotSigned:
            throw SigV4Error(.dateNotSigned, "the X-Amz-Date header must be signed")
        case .dateNotSigned:
            throw SigV4Error(.dateNotSigned, "the Date header must be signed")
        case .missing(let range):
            let name = CredentialParser.slice(credential.signedHeaders, range)
            throw SigV4Error(.signedHeaderMissing, "the header \(name) is listed in SignedHeaders but not sent")
        case .unsigned(let name):
            throw SigV4Error(
                .unsignedAmzHeader, "S3 requires every x-amz-* header to be signed; \(name.lowercased()) is not")
        }
    }

    /// The first rule a request breaks.
    private enum Failure {
        case hostNotSigned
        case amzDateNotSigned
        case dateNotSigned
        /// A listed name (its bytes in the list) that no header has.
        case missing(Range<Int>)
        /// An unsigned `x-amz-*` header's name, as sent.
        case unsigned(String)
    }

    /// A `;`-separated list and where its names are.
    private struct NameTable {
        let list: UnsafeBufferPointer<UInt8>
        let names: UnsafeBufferPointer<Range<Int>>

        /// The position of the first name equal to `name`, in any ASCII letter case or byte for byte.
        @inline(__always)
        func position(of name: UnsafeBufferPointer<UInt8>, ignoringCase: Bool) -> Int? {
            for position in 0..<names.count where names[position].count == name.count {
                let start = names[position].lowerBound
                var equal = true
                for offset in 0..<name.count {
                    let a = list[start + offset]
                    let b = name[offset]
                    if ignoringCase ? ASCII.lower(a) != ASCII.lower(b) : a != b {
                        equal = false
                        break
                    }
                }
                if equal { return position }
            }
            return nil
        }

        /// Whether the list has `name`, byte for byte.
        func contains(_ name: StaticString) -> Bool {
            position(
                of: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount), ignoringCase: false)
                != nil
        }
    }

    private static func find(
        in table: NameTable, source: TimestampSource, request: SigV4Request,
        rules: CanonicalizationRules, headersArePartial: Bool
    ) -> Failure? {
        guard table.contains("host") else { return .hostNotSigned }
        switch source {
        case .xAmzDateHeader:
            guard table.contains("x-amz-date") else { return .amzDateNotSigned }
        case .dateHeader:
            guard table.contains("date") else { return .dateNotSigned }
        case .query:
            break
        }
        // One pass over the headers: which listed names some header has (a bit per name, for the
        // first 64), and the first unsigned x-amz-* header (S3). Missing names are reported first,
        // in list order, then unsigned headers, in header order.
        var sent: UInt64 = 0
        var unsigned: String?
        let checksAmz = rules == .s3
        for index in request.headers.indices {
            // Each name's bytes once, in place: its position in the list, and whether it must be signed.
            let name = request.headers[index].name
            let (found, mustBeSigned) =
                name.utf8.withContiguousStorageIfAvailable {
                    look(at: $0, in: table, checksAmz: checksAmz, headersArePartial: headersArePartial)
                }
                ?? Array(name.utf8).withUnsafeBufferPointer {
                    look(at: $0, in: table, checksAmz: checksAmz, headersArePartial: headersArePartial)
                }
            if let found, found < 64 { sent |= 1 << UInt64(found) }
            if mustBeSigned, unsigned == nil, found == nil { unsigned = name }
        }
        if !headersArePartial {
            for position in 0..<table.names.count {
                // A name past the 64th, or one not marked (a repeated name marks only its first
                // copy), is looked for directly.
                if position >= 64 || sent & (1 << UInt64(position)) == 0 {
                    let range = table.names[position]
                    let wanted = UnsafeBufferPointer(rebasing: table.list[range])
                    guard request.headers.contains(where: { equalsIgnoringCase($0.name, wanted) }) else {
                        return .missing(range)
                    }
                }
            }
        }
        if let unsigned { return .unsigned(unsigned) }
        return nil
    }

    /// A header name's position in `list` (when it is looked for), and whether S3 requires it signed
    /// (an `x-amz-*` name other than `x-amz-content-sha256`).
    @inline(__always)
    private static func look(
        at name: UnsafeBufferPointer<UInt8>, in table: NameTable, checksAmz: Bool,
        headersArePartial: Bool
    ) -> (position: Int?, mustBeSigned: Bool) {
        var mustBeSigned = false
        if checksAmz, name.count >= 6 {
            let prefix = UnsafeBufferPointer(rebasing: name[0..<6])
            mustBeSigned =
                ASCII.equalsIgnoringCase(prefix, "x-amz-") && !ASCII.equalsIgnoringCase(name, "x-amz-content-sha256")
        }
        guard !headersArePartial || mustBeSigned else { return (nil, false) }
        return (table.position(of: name, ignoringCase: true), mustBeSigned)
    }

    /// Whether `name` equals `bytes` in any ASCII letter case.
    @inline(__always)
    private static func equalsIgnoringCase(_ name: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let utf8 = name.utf8
        guard utf8.count == bytes.count else { return false }
        var offset = 0
        for byte in utf8 {
            guard ASCII.lower(byte) == ASCII.lower(bytes[offset]) else { return false }
            offset += 1
        }
        return true
    }
}

/// What goes into the last line of the canonical request.
public enum PayloadHash {
    /// The payload markers S3 accepts in `x-amz-content-sha256` besides a hex SHA-256.
    public static let markers: Set<String> = [
        "UNSIGNED-PAYLOAD",
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    ]

    /// The lower-case hex SHA-256 of a body, as a payload hash.
    public static func sha256Hex(of body: [UInt8]) -> String { SHA256Hasher.hex(body) }

    /// The payload hash the signer used, or `nil` when it depends on a body that is not available.
    ///
    /// - `x-amz-content-sha256`, when sent, is the payload hash (for every service, as botocore signs).
    /// - Otherwise S3 header-signed requests are malformed; S3 presigned URLs use `UNSIGNED-PAYLOAD`.
    /// - Otherwise the hash is SHA-256 of the body, or `nil` when `body` is `nil` (unknown).
    /// - Throws: ``SigV4Error/Code/missingContentSHA256`` or ``SigV4Error/Code/malformedContentSHA256``.
    public static func resolve(
        request: SigV4Request, credential: SigV4Credential, rules: CanonicalizationRules, body: [UInt8]?
    ) throws(SigV4Error) -> String? {
        switch request.singleHeaderValue("x-amz-content-sha256") {
        case .multiple:
            throw SigV4Error(.malformedContentSHA256, "the request has more than one x-amz-content-sha256 header")
        case .one(let value):
            let trimmed = String(ASCII.trimmed(Substring(value)))
            let isHash = trimmed.utf8.count == 64 && trimmed.utf8.allSatisfy(ASCII.isLowerHex)
            guard isHash || markers.contains(trimmed) else {
                throw SigV4Error(
                    .malformedContentSHA256,
                    "x-amz-content-sha256 must be a lower-case hex SHA-256 or a payload marker such as UNSIGNED-PAYLOAD"
                )
            }
            return trimmed
        case .none:
            switch (rules, credential.location) {
            case (.s3, .header):
                throw SigV4Error(
                    .missingContentSHA256, "an S3 request signed in the header must carry x-amz-content-sha256")
            case (.s3, .presigned):
                return "UNSIGNED-PAYLOAD"
            case (.standard, _):
                return body.map(SHA256Hasher.hex)
            }
        }
    }
}
