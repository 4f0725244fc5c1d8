import Foundation
import HTTPClient
import HTTPServer
import Synchronization
import Testing
import TestSupport

/// `HTTPMultiClient` against the real server over loopback: many requests in flight from one thread.
@Suite struct HTTPMultiClientTests {
    /// A thread-per-connection server whose `GET /slow` answers "slow" after `seconds`.
    static func slowServer(seconds: Double) throws -> HTTPServer {
        try startServer(threads: 0) {
            $0.on("GET", "/slow") { _ in
                Thread.sleep(forTimeInterval: seconds)
                return .text("slow")
            }
        }
    }

    @Test func answersEachRequestWithItsOwnResponse() async throws {
        let server = try startServer { $0.on("POST", "/form", echoHandler) }
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient())
        let client = running.service
        try await withThrowingTaskGroup(of: (Int, Echo).self) { group in
            for index in 0..<100 {
                group.addTask {
                    let response = try await client.send(HTTPClientRequest(
                        method: "POST", url: server.url("/form"), headers: [("X-Index", String(index))],
                        body: .form([("n", String(index)), ("text", "a&b c")])))
                    return (index, try Echo.decode(try response.successful()))
                }
            }
            var seen = 0
            for try await (index, echo) in group {
                #expect(echo.body == "n=\(index)&text=a%26b%20c" && echo.headers["x-index"] == String(index))
                seen += 1
            }
            #expect(seen == 100)
        }
        #expect(client.inFlight == 0)
    }

    /// 40 requests to a handler that takes 300 ms each, against a thread-per-connection server: the server sees
    /// many of them at once (one after the other it would see one; a bound on the wall time failed on a loaded
    /// machine, so the overlap itself is counted).
    @Test func keepsManyRequestsInFlightWithoutAThreadEach() async throws {
        let inHandler = Atomic<Int>(0), most = Atomic<Int>(0)
        let server = try startServer(threads: 0) {
            $0.on("GET", "/slow") { _ in
                let now = inHandler.add(1, ordering: .relaxed).newValue
                most.max(now, ordering: .relaxed)
                Thread.sleep(forTimeInterval: 0.3)
                inHandler.subtract(1, ordering: .relaxed)
                return .text("slow")
            }
        }
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient())
        let client = running.service
        let started = Date()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<40 {
                group.addTask { try await client.send(HTTPClientRequest(url: server.url("/slow"))).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 40))
        #expect(most.load(ordering: .relaxed) >= 10, "requests in the server at once: \(most.load(ordering: .relaxed))")
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test func reusesConnections() async throws {
        let server = try startServer { $0.on("GET", "/ping") { _ in .text("pong") } }
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient())
        let client = running.service
        let first = try await client.send(HTTPClientRequest(url: server.url("/ping")))
        let second = try await client.send(HTTPClientRequest(url: server.url("/ping")))
        #expect(first.text == "pong" && !first.reusedConnection)
        #expect(second.text == "pong" && second.reusedConnection)
    }

    @Test func mapsTimeoutsAndRefusedConnections() async throws {
        let server = try Self.slowServer(seconds: 10)
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient(configuration: .init(totalTimeout: 15)))
        let client = running.service
        let port = try RedisServerProcess.freePort()
        do {
            _ = try await client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            Issue.record("no error")
        } catch {
            guard case .connectionRefused = error else { Issue.record("expected .connectionRefused, got \(error)"); return }
        }
        // The client runs now (it answered): time a request that outlives its timeout.
        let started = Date()
        do {
            _ = try await client.send(HTTPClientRequest(url: server.url("/slow"), totalTimeout: 0.15))
            Issue.record("no timeout")
        } catch {
            guard case .timeout = error else { Issue.record("expected .timeout, got \(error)"); return }
        }
        #expect(Date().timeIntervalSince(started) < 6, "it gave up at its timeout, not when the answer came after 10 s")
        do {
            _ = try await client.send(HTTPClientRequest(url: server.url("/slow"), headers: [("X-Bad", "a\r\nb")]))
            Issue.record("no error")
        } catch {
            guard case .invalidRequest = error else { Issue.record("expected .invalidRequest, got \(error)"); return }
        }
        #expect(client.inFlight == 0)
    }

    @Test func cancellingTheTaskAbortsItsTransfer() async throws {
        let server = try Self.slowServer(seconds: 20)
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient(configuration: .init(totalTimeout: 40)))
        let client = running.service
        let started = ContinuousClock.now
        let request = Task { try await client.send(HTTPClientRequest(url: server.url("/slow"))) }
        try await Task.sleep(for: .milliseconds(200))
        request.cancel()
        await #expect(throws: HTTPClientError.cancelled) { try await request.value }
        #expect(ContinuousClock.now - started < .seconds(15), "the 20 s request was aborted, not answered")
        #expect(client.inFlight == 0)
    }

    @Test func requestsAfterTheRunEndedFail() async throws {
        let server = try startServer { $0.on("GET", "/ping") { _ in .text("pong") } }
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient())
        #expect(try await running.service.send(HTTPClientRequest(url: server.url("/ping"))).text == "pong")
        await running.stop()
        await #expect(throws: HTTPClientError.self) { try await running.service.send(HTTPClientRequest(url: server.url("/ping"))) }
    }

    @Test func anAnswerOverTheCapIsAnErrorAndOneUnderItIsKept() async throws {
        let big = String(repeating: "x", count: 100_000)
        let server = try startServer {
            $0.on("GET", "/big") { _ in .text(big) }
            $0.on("GET", "/small") { _ in .text(String(big.prefix(5_000))) }
        }
        defer { inBackground { server.stop() } }
        let running = Running(HTTPMultiClient(configuration: .init(maxResponseBytes: 10_000)))
        await #expect(throws: HTTPClientError.responseTooLarge(limit: 10_000)) {
            try await running.service.send(HTTPClientRequest(url: server.url("/big")))
        }
        #expect(try await running.service.send(HTTPClientRequest(url: server.url("/small"))).body.count == 5_000)
        #expect(throws: HTTPClientError.responseTooLarge(limit: 10_000)) {
            try HTTPClient(configuration: .init(maxResponseBytes: 10_000)).perform(HTTPClientRequest(url: server.url("/big")))
        }
    }
}
