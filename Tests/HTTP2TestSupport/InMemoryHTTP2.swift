public import NIOCore
public import NIOEmbedded
public import NIOHPACK
public import NIOHTTP2

/// An HTTP/2 client and a server pipeline, each in an `EmbeddedChannel`, their bytes moved by
/// ``pump()``: a front end's HTTP/2 handling tested through a real `NIOHTTP2Handler` on both sides,
/// without a socket. The client does not validate what it sends, so that it can send what a peer may.
public struct InMemoryHTTP2 {
    /// The client: a `NIOHTTP2Handler` in client mode; frames written to it go to the server.
    public let client: EmbeddedChannel
    /// The server: the pipeline under test.
    public let server: EmbeddedChannel

    /// Builds the pair: `configureServer` sets up the server channel's pipeline, then both connect
    /// (the server's peer is `peer`). With `handshake`, the prefaces and SETTINGS are exchanged and the
    /// client's received frames dropped; without it, they wait for the first ``pump()``.
    public init(
        peer: String = "127.0.0.1", handshake: Bool = true, configureServer: (EmbeddedChannel) throws -> Void
    ) throws {
        client = EmbeddedChannel(handler: NIOHTTP2Handler(mode: .client, headerBlockValidation: .disabled))
        server = EmbeddedChannel()
        try configureServer(server)
        try server.connect(to: SocketAddress(ipAddress: peer, port: 40_000)).wait()
        try client.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8_080)).wait()
        if handshake {
            try pump()
            _ = try received()
        }
    }

    /// Moves bytes both ways (running both event loops) until neither side has anything to send.
    public func pump() throws {
        var moved = true
        while moved {
            moved = false
            client.embeddedEventLoop.run()
            server.embeddedEventLoop.run()
            while let bytes = try client.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = bytes, server.isActive else { continue }
                try server.writeInbound(buffer)
                moved = true
            }
            server.embeddedEventLoop.run()
            while let bytes = try server.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = bytes, client.isActive else { continue }
                try client.writeInbound(buffer)
                moved = true
            }
        }
    }

    /// Writes a frame on the client (without waiting: a frame may wait for the window).
    public func send(_ stream: Int, _ payload: HTTP2Frame.FramePayload) throws {
        client.writeAndFlush(HTTP2Frame(streamID: HTTP2StreamID(stream), payload: payload), promise: nil)
        try client.throwIfErrorCaught()
    }

    /// The frames the client has received since the last call.
    public func received() throws -> [HTTP2Frame] {
        var frames: [HTTP2Frame] = []
        while let frame = try client.readInbound(as: HTTP2Frame.self) { frames.append(frame) }
        return frames
    }

    /// Closes both channels.
    public func finish() {
        _ = try? client.finish(acceptAlreadyClosed: true)
        _ = try? server.finish(acceptAlreadyClosed: true)
    }
}

extension HTTP2Frame {
    /// A HEADERS frame's headers and end-of-stream flag.
    public var headerBlock: (headers: HPACKHeaders, endStream: Bool)? {
        if case .headers(let headers) = payload { return (headers.headers, headers.endStream) }
        return nil
    }

    /// A DATA frame's bytes and end-of-stream flag.
    public var dataBlock: (bytes: [UInt8], endStream: Bool)? {
        if case .data(let data) = payload, case .byteBuffer(let buffer) = data.data {
            return (Array(buffer.readableBytesView), data.endStream)
        }
        return nil
    }

    /// A WINDOW_UPDATE frame's increment.
    public var windowIncrement: Int? {
        if case .windowUpdate(let increment) = payload { return increment }
        return nil
    }

    /// An RST_STREAM frame's error code.
    public var resetCode: HTTP2ErrorCode? {
        if case .rstStream(let code) = payload { return code }
        return nil
    }

    /// A GOAWAY frame's last stream id and error code.
    public var goAway: (lastStreamID: HTTP2StreamID, errorCode: HTTP2ErrorCode)? {
        if case .goAway(let lastStreamID, let errorCode, _) = payload { return (lastStreamID, errorCode) }
        return nil
    }
}

/// The frames on one stream.
public func on(_ stream: Int, _ frames: [HTTP2Frame]) -> [HTTP2Frame] {
    frames.filter { $0.streamID == HTTP2StreamID(stream) }
}
