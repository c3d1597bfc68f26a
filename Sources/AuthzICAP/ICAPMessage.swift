package import AuthzCore
package import SigV4

/// An ICAP status the service answers a request it cannot serve with (RFC 3507 §4.3.3): the
/// connection is closed after it.
package struct ICAPError: Error, Sendable, Hashable {
    /// The ICAP status code (400, 404, 405, 408, 500, 505).
    package var status: Int
    /// Why (for tests and the log; never sent with secrets in it).
    package var message: String

    /// Creates an error.
    package init(_ status: Int, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A malformed request: 400.
    static func badRequest(_ message: String) -> ICAPError { ICAPError(400, message) }

    /// The reason phrase of a status this service sends.
    package static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 204: "No Content"
        case 400: "Bad Request"
        case 404: "ICAP Service not found"
        case 405: "Method not allowed"
        case 408: "Request timeout"
        case 500: "Server error"
        case 505: "ICAP version not supported by server"
        default: "Error"
        }
    }
}

/// The ICAP methods; any other (RESPMOD included) is answered 405.
package enum ICAPMethod: String, Sendable, Hashable {
    /// The service's options.
    case options = "OPTIONS"
    /// Request modification: the check.
    case reqmod = "REQMOD"
}

/// One ICAP request's head: method, service, and the headers this service reads.
package struct ICAPRequestHead: Sendable, Hashable {
    /// The method.
    package var method: ICAPMethod
    /// Every header, in order, names as sent.
    package var headers: [HeaderField]
    /// The encapsulated sections, in order (empty when there is no `Encapsulated` header).
    package var encapsulated: [EncapsulatedSection]
    /// The client's `Preview` size, if it sent one.
    package var preview: Int?
    /// Whether the client offered `Allow: 204`.
    package var allows204: Bool
    /// Whether the client sent `Connection: close`.
    package var close: Bool

    /// The first value of the header `name` (case-insensitive).
    package func first(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }
}

/// The encapsulated HTTP request: its head, as read and as the check reads it.
package struct EncapsulatedRequest: Sendable, Hashable {
    /// The HTTP method.
    package var method: String
    /// The request target as on the request line (absolute-form, origin-form or authority-form).
    package var rawTarget: String
    /// The HTTP version token (`HTTP/1.1`).
    package var version: String
    /// The authority: the absolute-form URI's, else the `Host` header's.
    package var host: String
    /// Path and query (`/` when the absolute-form URI has none).
    package var target: String
    /// The headers in order.
    package var headers: [HeaderField]

    /// Whether the client sent headers named like sigv4-authz's decision and principal headers
    /// (`x-sigv4-authz-*`): an allow must then strip them (a modified request, never a 204), or the
    /// upstream would read them as sigv4-authz's.
    package var carriesDecisionHeaders: Bool {
        headers.contains { $0.name.lowercased().hasPrefix(DecisionHeaders.prefix) }
    }
}

/// One ICAP request as the state machine hands it to the handler for a decision.
package struct ICAPCheck: Sendable {
    /// The ICAP head.
    package var head: ICAPRequestHead
    /// The encapsulated HTTP request.
    package var request: EncapsulatedRequest
    /// What is known of the body: `.complete` (whole, or `null-body`), `.truncated` (a preview with
    /// more to follow), `.tooLarge` (over the limit, not kept).
    package var body: RequestBody
    /// Whether the encapsulated request has a body section (`req-body`) at all.
    package var hasBody: Bool
}
