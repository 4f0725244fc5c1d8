import Foundation
import TestSupport
import HTTPClient
import HTTPServer
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the echo handler saw of a request, sent back as JSON.
struct Echo: Codable, Equatable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: String
    var bodyBytes: Int

    init(_ request: ServerRequest) {
        method = request.method
        path = request.path
        query = request.query
        headers = request.headers
        body = String(decoding: request.body, as: UTF8.self)
        bodyBytes = request.body.count
    }

    /// Decodes a response of ``echoHandler``.
    static func decode(_ response: HTTPClientResponse) throws -> Echo {
        try JSONDecoder().decode(Echo.self, from: response.body)
    }
}

/// Answers 200 with an ``Echo`` of the request.
let echoHandler: Router.Handler = { request in .json(Echo(request)) }

/// The service's JSON error shape.
struct ErrorBody: Codable, Equatable {
    var error: String
    var message: String
}

/// A thread-safe counter for handlers (which are `@Sendable` and run on the server's pool threads).
/// NSLock (pthread) rather than `Mutex`: ThreadSanitizer sees through pthread locks but not through the
/// futex of `Synchronization.Mutex` on Linux, which it reports as a race.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var current: Int { lock.withLock { value } }
}

/// Failures collected from worker threads.
final class FailureLog: @unchecked Sendable {
    private let lock = NSLock()
    private var log: [String] = []
    func add(_ entry: String) { lock.withLock { log.append(entry) } }
    var entries: [String] { lock.withLock { log } }
}

/// Starts a server on a free loopback port with the routes `configure` adds; stop it when done.
func startServer(threads: Int = 4, maxBodyBytes: Int = 64 * 1024,
                 _ configure: (inout Router) -> Void) throws -> HTTPServer {
    var router = Router()
    configure(&router)
    let server = HTTPServer(
        configuration: .init(host: "127.0.0.1", port: 0, threads: threads, maxBodyBytes: maxBodyBytes),
        router: router)
    try server.start()
    return server
}

extension HTTPServer {
    /// `http://127.0.0.1:<port>` followed by `path`.
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
}

struct RawSocketError: Error, CustomStringConvertible {
    var description: String
}

/// A response read off a raw socket.
struct RawResponse {
    var status: Int
    /// Header lines as sent, e.g. `Content-Type: application/json`.
    var headerLines: [String]
    var body: String
}

/// Sends `pieces` one `send()` each over a fresh loopback connection, then reads until the server closes it
/// (send `Connection: close`). Lets tests write requests libcurl would not, e.g. a hand-made chunked upload.
func rawExchange(port: UInt16, _ pieces: [String]) throws -> RawResponse {
    let fd = try LoopbackSocket.connect(port: port, timeout: 3)
    defer { close(fd) }
    for piece in pieces {
        let bytes = Array(piece.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw RawSocketError(description: "send() failed: errno \(errno)") }
            offset += sent
        }
    }
    var received = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            received.append(contentsOf: buffer[..<count])
        } else if count == 0 {
            break
        } else {
            throw RawSocketError(description: "recv() failed: errno \(errno)")
        }
    }
    let text = String(decoding: received, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else {
        throw RawSocketError(description: "no complete response head in \(text.debugDescription)")
    }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    let statusParts = lines[0].split(separator: " ")
    guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
        throw RawSocketError(description: "bad status line \(lines[0].debugDescription)")
    }
    return RawResponse(status: status, headerLines: Array(lines.dropFirst()), body: String(text[split.upperBound...]))
}
