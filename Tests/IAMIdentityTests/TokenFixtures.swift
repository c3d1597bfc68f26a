import AWSClassifier
import Foundation
import IAMIdentity
import SigV4

/// Tokens built by hand from URLs (base64url by Foundation, not by the module under test), the rules
/// they are read with, and the time they are read at.
enum TokenFixtures {
    /// 2026-03-14T09:26:53Z.
    static let now: Int64 = 1_773_480_413
    static let date = "20260314T092653Z"
    /// A new-generation key id: derives to 123456789012.
    static let keyID = "AKIARZPUZDIKGWNFC7AD"
    static let signature = String(repeating: "ab12", count: 16)
    static let sessionToken = "IQoJb3JpZ2luX2VjEXAMPLEsecretSESSIONtoken"

    /// The bundled model, loaded once.
    static let model = Result { () throws(AWSModelError) in try AWSModel.bundled() }

    /// The bundled model's partitions with these ids.
    static func partitions(_ ids: [String]) throws -> [AWSModel.Partition] {
        let model = try model.get()
        return ids.compactMap { model.partition(id: $0) }
    }

    /// Rules for audience `orders` on `partitions`.
    static func rules(
        partitions ids: [String] = ["aws"], audienceHeader: String = "x-k8s-aws-id",
        acceptsRegion: @escaping @Sendable (String) -> Bool = { _ in true }
    ) throws -> IdentityTokenRules {
        IdentityTokenRules(
            audience: "orders", audienceHeader: audienceHeader, partitions: try partitions(ids),
            acceptsRegion: acceptsRegion)
    }

    /// The query parameters of a well-formed token for `region`, in `aws eks get-token`'s order.
    static func parameters(region: String = "us-east-1") -> [(String, String)] {
        [
            ("Action", "GetCallerIdentity"), ("Version", "2011-06-15"), ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(keyID)%2F20260314%2F\(region)%2Fsts%2Faws4_request"), ("X-Amz-Date", date),
            ("X-Amz-Expires", "60"), ("X-Amz-SignedHeaders", "host%3Bx-k8s-aws-id"),
            ("X-Amz-Signature", signature),
        ]
    }

    /// `parameters` as a query string.
    static func query(_ parameters: [(String, String)]) -> String {
        parameters.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// `parameters()` with `name`'s value replaced (or the parameter removed when `value` is nil).
    static func query(setting name: String, to value: String?, region: String = "us-east-1") -> String {
        query(
            parameters(region: region).compactMap { pair in
                pair.0 == name ? value.map { (name, $0) } : pair
            })
    }

    /// The URL of a well-formed token on `host`.
    static func url(host: String = "sts.us-east-1.amazonaws.com", region: String = "us-east-1") -> String {
        "https://\(host)/?\(query(parameters(region: region)))"
    }

    /// `k8s-aws-v1.` + base64url(`url`), padding stripped unless `padded`.
    static func token(_ url: String, padded: Bool = false) -> String {
        var encoded = Data(url.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        if !padded { encoded = encoded.replacingOccurrences(of: "=", with: "") }
        return "k8s-aws-v1." + encoded
    }
}
