import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// The server's connection limits: per client address and in all, the idle timeout, and what is reported.
@Suite struct HTTPServerLimitsTests {
    /// A socket from `source` that sent half a request and stalls.
    static func stalled(_ server: HTTPServer, from source: String) throws -> Int32 {
        let fd = try LoopbackSocket.connect(port: server.port, timeout: 3, from: source)
        let half = "POST /ping HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        _ = half.withCString { send(fd, $0, strlen($0), 0) }
        return fd
    }

    /// Whether the server closed the socket (it reads end of file, or a reset, within the socket's timeout).
    static func isClosed(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let read = recv(fd, &byte, 1, 0)
        return read == 0 || (read < 0 && errno == ECONNRESET)
    }

    @Test func aClientAddressOverItsLimitIsRefusedWhileOthersAreServed() async throws {
        try await onThread {
            let refusals = Mutex<[HTTPServer.Refusal]>([])
            var router = Router()
            router.on("GET", "/ping") { _ in .text("pong") }
            router.on("POST", "/ping") { _ in .text("pong") }
            let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, connectionTimeout: 1,
                                                         maxConnectionsPerAddress: 2),
                                    router: router, onRefusal: { refusal in refusals.withLock { $0.append(refusal) } })
            try server.start()
            defer { server.stop() }
            let held = try (0..<2).map { _ in try Self.stalled(server, from: "127.0.0.2") }
            Thread.sleep(forTimeInterval: 0.2) // both started
            let third = try Self.stalled(server, from: "127.0.0.2")
            defer { ([third] + held).forEach { close($0) } }
            #expect(Self.isClosed(third), "the third connection from 127.0.0.2 is closed at accept")
            #expect(refusals.withLock { $0 } == [.addressLimit("127.0.0.2")])
            let client = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 1))
            #expect(try client.perform(HTTPClientRequest(url: server.url("/ping"))).text == "pong",
                    "another address is served meanwhile")
            // The stalled ones are closed after the idle timeout; then 127.0.0.2 is admitted again.
            #expect(held.allSatisfy { Self.isClosed($0) }, "idle connections are closed after 1 s")
            #expect(eventually(within: 3) {
                guard let fd = try? LoopbackSocket.connect(port: server.port, timeout: 1, from: "127.0.0.2") else { return false }
                defer { close(fd) }
                let request = "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                _ = request.withCString { send(fd, $0, strlen($0), 0) }
                var buffer = [UInt8](repeating: 0, count: 512)
                let count = recv(fd, &buffer, buffer.count, 0)
                return count > 0 && String(decoding: buffer.prefix(count), as: UTF8.self).hasSuffix("pong")
            }, "nothing lingers: the address is admitted again")
        }
    }

    /// At the connection limit libmicrohttpd stops accepting: a new connection waits in the kernel's listen
    /// backlog, and is served once a connection closes.
    @Test func atTheConnectionLimitNewConnectionsWaitUntilOneCloses() async throws {
        try await onThread {
            var router = Router()
            router.on("GET", "/ping") { _ in .text("pong") }
            // One polling thread: libmicrohttpd splits the limit among the threads of a pool.
            let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threads: 1, connectionTimeout: 30,
                                                         maxConnections: 3), router: router)
            try server.start()
            defer { server.stop() }
            var held = try (0..<3).map { _ in try Self.stalled(server, from: "127.0.0.3") }
            defer { held.forEach { close($0) } }
            Thread.sleep(forTimeInterval: 0.2)
            let fourth = try LoopbackSocket.connect(port: server.port, timeout: 1, from: "127.0.0.4")
            defer { close(fourth) }
            let request = "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            _ = request.withCString { send(fourth, $0, strlen($0), 0) }
            var buffer = [UInt8](repeating: 0, count: 512)
            #expect(recv(fourth, &buffer, buffer.count, 0) < 0, "not served while the limit is reached")
            close(held.removeFirst())
            var timeout = timeval(tv_sec: 3, tv_usec: 0)
            _ = setsockopt(fourth, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let count = recv(fourth, &buffer, buffer.count, 0)
            #expect(count > 0 && String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).hasSuffix("pong"),
                    "served once a connection closed")
        }
    }
}
