import CMicroHTTPD
import Foundation
import ServiceLifecycle
import ServiceThread
import Synchronization

/// An HTTP/1.1 server over libmicrohttpd with a pool of threads that libmicrohttpd owns. Handlers run on those
/// threads and may block (e.g. on Redis). Bodies are gathered up to `maxBodyBytes`; larger ones get 413 without
/// being kept. As a service, ``run()`` serves until graceful shutdown or cancellation.
public final class HTTPServer: Service, Sendable {
    /// Where to listen and how much to accept.
    public struct Configuration: Sendable, Equatable {
        /// An IPv4 or IPv6 literal; `0.0.0.0` listens on every IPv4 address.
        public var host: String
        /// 0 picks a free port (see ``HTTPServer/port``).
        public var port: UInt16
        /// Polling threads, each serving many connections; 0 gives every connection its own thread (for
        /// handlers that block for long, such as the simulator's injected latency).
        public var threads: Int
        public var maxBodyBytes: Int
        /// A connection that sends nothing for this many seconds is closed (libmicrohttpd has only inactivity
        /// timeouts: a client that trickles a byte now and then is bounded by ``maxConnectionsPerAddress``).
        public var connectionTimeout: Int
        /// libmicrohttpd's memory pool per connection (request line, headers, read buffer). It is zeroed for
        /// every request, so a smaller pool is cheaper; bodies stream through it in pieces.
        public var connectionMemoryLimit: Int
        /// Connections open at once from all clients. At the limit libmicrohttpd stops accepting: a new
        /// connection waits in the kernel's listen backlog until one closes (split among the polling threads).
        public var maxConnections: Int
        /// Connections open at once from one client address; more are closed at accept. 0: no limit (behind a
        /// reverse proxy every connection comes from the proxy's address).
        public var maxConnectionsPerAddress: Int

        public init(host: String = "0.0.0.0", port: UInt16 = 8080, threads: Int = 4, maxBodyBytes: Int = 64 * 1024,
                    connectionTimeout: Int = 30, connectionMemoryLimit: Int = 16 * 1024, maxConnections: Int = 10_000,
                    maxConnectionsPerAddress: Int = 0) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maxBodyBytes = maxBodyBytes
            self.connectionTimeout = connectionTimeout
            self.connectionMemoryLimit = connectionMemoryLimit
            self.maxConnections = maxConnections
            self.maxConnectionsPerAddress = maxConnectionsPerAddress
        }
    }

    /// A connection closed at accept.
    public enum Refusal: Sendable, Equatable {
        /// ``Configuration/maxConnections`` were open and libmicrohttpd closed a connection it had accepted
        /// (rare: at the limit it stops accepting instead).
        case connectionLimit
        /// ``Configuration/maxConnectionsPerAddress`` were open from this client address.
        case addressLimit(String)

        /// A label for metrics.
        public var reason: String {
            switch self {
            case .connectionLimit: return "connection_limit"
            case .addressLimit: return "address_limit"
            }
        }
    }

    public let configuration: Configuration
    let router: Router
    let onRefusal: @Sendable (Refusal) -> Void
    /// Open connections by client address, for ``Configuration/maxConnectionsPerAddress``.
    let openByAddress = Mutex<[String: Int]>([:])
    private let daemon = Mutex<OpaquePointer?>(nil)
    private let boundPort = Atomic<UInt16>(0)

    /// - Parameter onRefusal: told of every connection closed at accept (from libmicrohttpd's threads).
    public init(configuration: Configuration, router: Router, onRefusal: @escaping @Sendable (Refusal) -> Void = { _ in }) {
        self.configuration = configuration
        self.router = router
        self.onRefusal = onRefusal
    }

    deinit { stop() }

    /// The port listened on (the chosen one when started on port 0); 0 before ``start()``.
    public var port: UInt16 { boundPort.load(ordering: .acquiring) }

    /// Starts listening; returns once the socket is bound.
    public func start() throws(HTTPServerError) {
        let failure = HTTPServerError.startFailed(host: configuration.host, port: configuration.port)
        guard let address = ListenAddress(host: configuration.host, port: configuration.port) else { throw failure }
        // Internal polling threads over epoll: a pool of `threads`, or a thread per connection (poll) when 0.
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_ITC.rawValue | MHD_USE_ERROR_LOG.rawValue
        flags |= configuration.threads == 0 ? MHD_USE_THREAD_PER_CONNECTION.rawValue | MHD_USE_POLL.rawValue
                                            : MHD_USE_EPOLL.rawValue
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        let started: Bool = daemon.withLock { current in
            if current != nil { return true }
            let context = Unmanaged.passUnretained(self).toOpaque()
            let handle = address.withSockaddr { sockaddr in
                caa_mhd_start_daemon(UInt32(flags), configuration.port, acceptPolicy, context, accessHandler, context,
                                     completedHandler, nil, connectionNotice, context, messageHandler, context,
                                     UInt32(max(1, configuration.threads)), UInt32(max(0, configuration.connectionTimeout)),
                                     UInt32(max(1, configuration.maxConnections)),
                                     unescapeHandler, max(0, configuration.connectionMemoryLimit), sockaddr)
            }
            guard let handle else { return false }
            current = handle
            boundPort.store(caa_mhd_bound_port(handle), ordering: .releasing)
            return true
        }
        if !started { throw failure }
    }

    /// Starts listening, serves until graceful shutdown or cancellation, then stops (requests being handled are
    /// finished first).
    public func run() async throws {
        try start()
        try? await gracefulShutdown()
        // MHD_stop_daemon joins libmicrohttpd's threads: wait for it on a thread of its own, not a task's.
        await ServiceThread.offload(name: "http-stop") { [self] in stop() }
    }

    /// Stops accepting, waits for the pool threads to finish their requests, and closes the socket.
    public func stop() {
        let handle: OpaquePointer? = daemon.withLock { current in
            defer { current = nil }
            return current
        }
        if let handle { MHD_stop_daemon(handle) }
        boundPort.store(0, ordering: .releasing)
    }
}

/// The state of one request while MHD feeds it the body in pieces.
private final class PendingRequest {
    var body = Data()
    var tooLarge = false
}

/// MHD's own percent-decoding of the path and of query values, except that a text holding `%00` is left as
/// sent: handlers read C strings, so a decoded NUL would cut `/webhooks/allocate%00.json` down to
/// `/webhooks/allocate` (and `?secret=abc%00x` down to `abc`). Left encoded, such a path matches no route.
private let unescapeHandler: caa_mhd_unescape_callback = { _, _, value in
    guard let value else { return 0 }
    if strstr(value, "%00") != nil { return strlen(value) }
    return MHD_http_unescape(value)
}

private let completedHandler: MHD_RequestCompletedCallback = { _, _, requestContext, _ in
    guard let requestContext, let pending = requestContext.pointee else { return }
    Unmanaged<PendingRequest>.fromOpaque(pending).release()
    requestContext.pointee = nil
}

private let accessHandler: MHD_AccessHandlerCallback = {
    serverContext, connection, url, method, _, uploadData, uploadSize, requestContext in
    guard let serverContext, let connection, let requestContext, let uploadSize else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(serverContext).takeUnretainedValue()
    let limit = server.configuration.maxBodyBytes

    guard let state = requestContext.pointee else {
        // First call: headers only. Refuse a declared oversized body before reading any of it.
        requestContext.pointee = Unmanaged.passRetained(PendingRequest()).toOpaque()
        if let declared = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length"),
           let length = Int(String(cString: declared)), length > limit {
            return send(tooLarge(limit), on: connection)
        }
        return .YES
    }
    let pending = Unmanaged<PendingRequest>.fromOpaque(state).takeUnretainedValue()
    if uploadSize.pointee > 0 {
        if !pending.tooLarge, let uploadData {
            if pending.body.count + uploadSize.pointee > limit {
                pending.tooLarge = true
                pending.body = Data()
            } else {
                pending.body.append(UnsafeRawPointer(uploadData).assumingMemoryBound(to: UInt8.self),
                                    count: uploadSize.pointee)
            }
        }
        uploadSize.pointee = 0
        return .YES
    }
    if pending.tooLarge { return send(tooLarge(limit), on: connection) }

    let rawURL = url.map { String(cString: $0) } ?? "/"
    let path = String(rawURL.prefix { $0 != "?" })
    let arguments = pairs(of: .GET_ARGUMENT_KIND, on: connection, lowercasingNames: false)
    let request = ServerRequest(
        method: method.map { String(cString: $0) } ?? "GET", path: path,
        query: firstValues(arguments), queryItems: arguments,
        headers: firstValues(pairs(of: .HEADER_KIND, on: connection, lowercasingNames: true)),
        body: pending.body)
    return send(server.router.respond(to: request), on: connection)
}

private func tooLarge(_ limit: Int) -> ServerResponse {
    .error(413, code: "payload_too_large", message: "request body is over \(limit) bytes")
}

private func send(_ response: ServerResponse, on connection: OpaquePointer) -> MHD_Result {
    let mhdResponse = response.body.withUnsafeBytes { raw in
        MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress),
                                        .RESPMEM_MUST_COPY)
    }
    guard let mhdResponse else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }
    for (name, value) in response.headers { _ = MHD_add_response_header(mhdResponse, name, value) }
    return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
}

/// The connection's values of one kind (headers or query arguments), in the order MHD holds them.
private func pairs(of kind: MHD_ValueKind, on connection: OpaquePointer,
                   lowercasingNames: Bool) -> [(name: String, value: String)] {
    final class Collector {
        var pairs: [(name: String, value: String)] = []
        let lowercase: Bool
        init(lowercase: Bool) { self.lowercase = lowercase }
    }
    let collector = Collector(lowercase: lowercasingNames)
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(connection, kind, { context, _, key, value in
            guard let context, let key else { return .YES }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            let name = String(cString: key)
            collector.pairs.append((collector.lowercase ? name.lowercased() : name, value.map { String(cString: $0) } ?? ""))
            return .YES
        }, Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.pairs
}

/// A dictionary of `pairs` in which a repeated name keeps its first value.
private func firstValues(_ pairs: [(name: String, value: String)]) -> [String: String] {
    Dictionary(pairs.map { ($0.name, $0.value) }) { first, _ in first }
}
