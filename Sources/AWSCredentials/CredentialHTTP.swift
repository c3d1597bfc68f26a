internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1

/// What an endpoint answered: the status, the headers and the body, read up to a bound.
struct EndpointAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    /// The body as text (UTF-8, invalid bytes replaced).
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// The one place credential calls do I/O: one request over AsyncHTTPClient with a deadline and a
/// bound on the answer, every failure mapped to a ``CredentialError`` that says what was asked.
enum CredentialHTTP {
    /// Sends one request and reads its answer whole.
    ///
    /// - Parameters:
    ///   - what: what is being asked, for the error sentence (`"the instance metadata service"`).
    ///   - maxBytes: the largest answer read; a longer one is a malformed answer.
    /// - Throws: ``CredentialError/Reason/unreachable`` when the request fails or times out,
    ///   ``CredentialError/Reason/malformedAnswer`` when the answer is over `maxBytes`.
    static func send(
        _ client: HTTPClient, method: HTTPMethod, url: EndpointURL, headers: [(String, String)], body: [UInt8]? = nil,
        deadline: NIODeadline, maxBytes: Int, what: String
    ) async throws(CredentialError) -> EndpointAnswer {
        var request = HTTPClientRequest(url: url.description)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, deadline: deadline)
        } catch {
            throw CredentialError(.unreachable, "\(what) at \(url.hostHeader) is unreachable: \(describe(error))")
        }
        do {
            let buffer = try await response.body.collect(upTo: maxBytes)
            return EndpointAnswer(
                status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch is NIOTooManyBytesError {
            throw CredentialError(.malformedAnswer, "\(what) at \(url.hostHeader) answered more than \(maxBytes) bytes")
        } catch {
            throw CredentialError(
                .unreachable, "\(what) at \(url.hostHeader) failed while answering: \(describe(error))")
        }
    }

    /// A short description of a transport failure (no request data is in it: these are NIO's and
    /// AsyncHTTPClient's own errors).
    static func describe(_ error: any Error) -> String {
        let text: String
        if let error = error as? HTTPClientError {
            text = error == .deadlineExceeded ? "no answer in time" : String(describing: error)
        } else if error is CancellationError {
            text = "cancelled"
        } else {
            text = String(describing: error)
        }
        let line = text.filter { !$0.isNewline }
        return line.count > 200 ? String(line.prefix(200)) + "…" : line
    }
}
