internal import SigV4

/// The `application/x-www-form-urlencoded` body of an STS query-protocol call, as botocore writes it:
/// `name=value` pairs joined by `&`, every byte but `A-Z a-z 0-9 - . _ ~` percent-encoded.
enum FormBody {
    /// The content type botocore sends with it.
    static let contentType = "application/x-www-form-urlencoded; charset=utf-8"

    /// The encoded body of `fields`, in their order.
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(PercentEncoding.encode($0.0))=\(PercentEncoding.encode($0.1))" }.joined(separator: "&")
    }
}
