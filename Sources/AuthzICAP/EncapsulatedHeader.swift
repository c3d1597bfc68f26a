/// One section of the `Encapsulated` header (RFC 3507 §4.4.1): its name and byte offset.
package struct EncapsulatedSection: Sendable, Hashable {
    /// The section names this service accepts.
    package enum Name: String, Sendable, Hashable {
        case reqHdr = "req-hdr"
        case reqBody = "req-body"
        case resHdr = "res-hdr"
        case resBody = "res-body"
        case nullBody = "null-body"
        case optBody = "opt-body"
    }

    /// The section.
    package var name: Name
    /// Its offset from the start of the encapsulated part.
    package var offset: Int
}

/// Parses and checks the `Encapsulated` header.
package enum EncapsulatedHeader {
    /// Parses `req-hdr=0, req-body=123`: names known, offsets decimal (at most 9 digits), strictly
    /// increasing after the first, the first at 0, no name twice.
    package static func parse(_ value: String) throws(ICAPError) -> [EncapsulatedSection] {
        var sections: [EncapsulatedSection] = []
        for part in value.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = part.trimmingOWS
            let pieces = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, let name = EncapsulatedSection.Name(rawValue: String(pieces[0])) else {
                throw .badRequest("Encapsulated: unknown section")
            }
            let digits = pieces[1]
            guard (1...9).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let offset = Int(digits)
            else { throw .badRequest("Encapsulated: malformed offset") }
            if let last = sections.last {
                guard offset > last.offset else {
                    throw .badRequest("Encapsulated: offsets not increasing")
                }
            } else if offset != 0 {
                throw .badRequest("Encapsulated: the first section is not at 0")
            }
            guard !sections.contains(where: { $0.name == name }) else {
                throw .badRequest("Encapsulated: a section twice")
            }
            sections.append(EncapsulatedSection(name: name, offset: offset))
        }
        return sections
    }

    /// The request shape a REQMOD carries: the head's length and whether a body follows.
    /// Exactly `req-hdr=0` then `req-body=N` or `null-body=N`.
    package static func reqmodShape(
        _ sections: [EncapsulatedSection]
    ) throws(ICAPError) -> (
        headLength: Int, hasBody: Bool
    ) {
        guard sections.count == 2, sections[0].name == .reqHdr else {
            throw .badRequest("Encapsulated: a REQMOD needs req-hdr=0 and then req-body or null-body")
        }
        switch sections[1].name {
        case .reqBody: return (sections[1].offset, true)
        case .nullBody: return (sections[1].offset, false)
        default: throw .badRequest("Encapsulated: a REQMOD carries a request, not a response")
        }
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    var trimmingOWS: Substring {
        var slice = self
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return slice
    }
}
