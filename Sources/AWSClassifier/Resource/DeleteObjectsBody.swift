/// Reads the keys of an S3 `DeleteObjects` body, strictly.
///
/// ```xml
/// <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
///   <Object><Key>a.txt</Key><VersionId>v1</VersionId></Object>
///   <Quiet>true</Quiet>
/// </Delete>
/// ```
///
/// Only the shapes S3 documents are read: an optional `<?xml …?>` declaration, one `Delete` element
/// (attributes allowed), `Object` elements with `Key`, `VersionId`, `ETag`, `LastModifiedTime` and
/// `Size`, and `Quiet`; text with the five predefined entities and numeric character references, its
/// line ends normalized as XML readers do.
/// Anything else — a comment, CDATA, a DOCTYPE, a processing instruction after the declaration, a
/// namespace prefix, another element, an `Object` without exactly one `Key` — makes the body
/// unreadable (`nil`), because another XML reader could see other keys.
enum DeleteObjectsBody {
    struct Object: Equatable {
        var key: String
        var hasVersion: Bool
    }

    static func objects(in body: [UInt8]) -> [Object]? {
        var reader = XMLReader(bytes: body)
        reader.skipWhitespace()
        if reader.startsWith("<?xml") {
            guard reader.skip(past: "?>") else { return nil }
            reader.skipWhitespace()
        }
        guard case .open("Delete")? = reader.tag() else { return nil }
        var objects: [Object] = []
        var sawQuiet = false
        while true {
            reader.skipWhitespace()
            switch reader.tag() {
            case .open("Object")?:
                var key: String?
                var hasVersion = false
                var seen: Set<String> = []
                while true {
                    reader.skipWhitespace()
                    let next = reader.tag()
                    if case .close("Object")? = next { break }
                    guard case .open(let name)? = next,
                        ["Key", "VersionId", "ETag", "LastModifiedTime", "Size"].contains(name),
                        seen.insert(name).inserted, let text = reader.text(), case .close(name)? = reader.tag()
                    else { return nil }
                    if name == "Key" { key = text }
                    if name == "VersionId" { hasVersion = true }
                }
                guard let key, !key.isEmpty else { return nil }
                objects.append(Object(key: key, hasVersion: hasVersion))
            case .open("Quiet")?:
                guard !sawQuiet, reader.text() != nil, case .close("Quiet")? = reader.tag() else { return nil }
                sawQuiet = true
            case .close("Delete")?:
                reader.skipWhitespace()
                return reader.atEnd ? objects : nil
            default:
                return nil
            }
        }
    }
}
