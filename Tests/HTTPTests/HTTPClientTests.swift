import Foundation
import HTTPClient
import HTTPServer
import Testing
import TestSupport

@Suite struct HTTPClientTests {
    @Test func getSendsPercentEncodedQueryItems() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/search", echoHandler) }
            defer { server.stop() }
            let query = [("q", "a b&c=d"), ("plus", "1+1"), ("path", "x/y?z#w"), ("unicode", "héllo 👋"),
                         ("empty", ""), ("safe", "A-z_0.9~")]
            let request = HTTPClientRequest(url: server.url("/search"), query: query)
            #expect(request.fullURL == server.url("/search")
                + "?q=a%20b%26c%3Dd&plus=1%2B1&path=x%2Fy%3Fz%23w&unicode=h%C3%A9llo%20%F0%9F%91%8B&empty=&safe=A-z_0.9~")

            let response = try HTTPClient().perform(request).successful()
            let echo = try Echo.decode(response)
            #expect(echo.method == "GET")
            #expect(echo.path == "/search")
            #expect(echo.query == Dictionary(uniqueKeysWithValues: query))
            #expect(echo.bodyBytes == 0)
        }
    }

    @Test func queryItemsAreAppendedToAnExistingQuery() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/q", echoHandler) }
            defer { server.stop() }
            let request = HTTPClientRequest(url: server.url("/q?first=1"), query: [("second", "2 2")])
            #expect(request.fullURL.hasSuffix("/q?first=1&second=2%202"))
            let echo = try Echo.decode(try HTTPClient().perform(request))
            #expect(echo.path == "/q")
            #expect(echo.query == ["first": "1", "second": "2 2"])
        }
    }

    @Test func postsAFormBody() async throws {
        try await onThread {
            let server = try startServer { $0.on("POST", "/form", echoHandler) }
            defer { server.stop() }
            let fields = [("name", "Jane Doe"), ("expr", "a&b=c"), ("city", "Zürich 東京 🚀"), ("plus", "+"), ("blank", "")]
            let response = try HTTPClient().perform(
                HTTPClientRequest(method: "POST", url: server.url("/form"), body: .form(fields))).successful()
            let echo = try Echo.decode(response)
            #expect(echo.method == "POST")
            #expect(echo.headers["content-type"] == "application/x-www-form-urlencoded")
            #expect(echo.body == "name=Jane%20Doe&expr=a%26b%3Dc&city=Z%C3%BCrich%20%E6%9D%B1%E4%BA%AC%20%F0%9F%9A%80"
                + "&plus=%2B&blank=")
            #expect(echo.headers["content-length"] == String(echo.bodyBytes))
            #expect(echo.headers["expect"] == nil) // no 100-continue round trip

            // Decoding the body as a standard form gives back exactly the fields, in order.
            var components = URLComponents()
            components.percentEncodedQuery = echo.body
            let decoded = try #require(components.queryItems).map { ($0.name, $0.value ?? "") }
            #expect(decoded.elementsEqual(fields) { $0 == $1 })
        }
    }

    @Test func postsAJSONBody() async throws {
        try await onThread {
            struct Payload: Codable, Equatable {
                var room: Int
                var note: String
                var tags: [String]
            }
            let server = try startServer { $0.on("POST", "/json", echoHandler) }
            defer { server.stop() }
            let payload = Payload(room: 42, note: "héllo \"quoted\" & <b>", tags: ["a", "b c"])
            let data = try JSONEncoder().encode(payload)
            let response = try HTTPClient().perform(
                HTTPClientRequest(method: "POST", url: server.url("/json"), body: .json(data))).successful()
            let echo = try Echo.decode(response)
            #expect(echo.headers["content-type"] == "application/json")
            #expect(echo.bodyBytes == data.count)
            #expect(try JSONDecoder().decode(Payload.self, from: Data(echo.body.utf8)) == payload)
        }
    }

    @Test func postsARawBodyAndOtherMethods() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("PUT", "/raw", echoHandler)
                $0.on("DELETE", "/raw", echoHandler)
                $0.on("POST", "/empty", echoHandler)
            }
            defer { server.stop() }
            let client = HTTPClient()
            let put = try Echo.decode(try client.perform(HTTPClientRequest(
                method: "put", url: server.url("/raw"), body: .raw(Data("line1\nline2".utf8), contentType: "text/plain"))))
            #expect(put.method == "PUT" && put.body == "line1\nline2" && put.headers["content-type"] == "text/plain")
            let delete = try Echo.decode(try client.perform(HTTPClientRequest(method: "DELETE", url: server.url("/raw"))))
            #expect(delete.method == "DELETE" && delete.bodyBytes == 0)
            let empty = try Echo.decode(try client.perform(HTTPClientRequest(method: "POST", url: server.url("/empty"))))
            #expect(empty.method == "POST" && empty.bodyBytes == 0 && empty.headers["content-length"] == "0")
        }
    }

    @Test func sendsCustomHeadersAndTheUserAgent() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/h", echoHandler) }
            defer { server.stop() }
            let client = HTTPClient(configuration: .init(userAgent: "allocator-test/1.0"))
            let echo = try Echo.decode(try client.perform(HTTPClientRequest(
                url: server.url("/h"),
                headers: [("Authorization", "Bearer s3cr3t"), ("X-Request-ID", "req-1"), ("Qiscus-App-Id", "app id")])))
            #expect(echo.headers["authorization"] == "Bearer s3cr3t")
            #expect(echo.headers["x-request-id"] == "req-1")
            #expect(echo.headers["qiscus-app-id"] == "app id")
            #expect(echo.headers["user-agent"] == "allocator-test/1.0")
        }
    }

    @Test func readsResponseHeadersCaseInsensitively() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/h") { _ in
                    ServerResponse(status: 200, headers: [("X-Trace-ID", "abc-123"), ("Cache-Control", "no-store")],
                                   body: Data("ok".utf8))
                }
            }
            defer { server.stop() }
            let response = try HTTPClient().perform(HTTPClientRequest(url: server.url("/h")))
            #expect(response.status == 200)
            #expect(response.text == "ok")
            #expect(response.header("X-Trace-ID") == "abc-123")
            #expect(response.header("x-trace-id") == "abc-123")
            #expect(response.header("X-TRACE-ID") == "abc-123")
            #expect(response.header("cache-CONTROL") == "no-store")
            #expect(response.header("Content-Length") == "2")
            #expect(response.header("X-Missing") == nil)
            #expect(response.headers.allSatisfy { $0.name == $0.name.lowercased() })
        }
    }

    @Test func returnsErrorStatusesWithTheirBody() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/boom") { _ in .text("internal failure", status: 500) }
                $0.on("GET", "/created") { _ in .text("made", status: 201) }
            }
            defer { server.stop() }
            let client = HTTPClient()

            let failed = try client.perform(HTTPClientRequest(url: server.url("/boom")))
            #expect(failed.status == 500)
            #expect(failed.text == "internal failure")
            #expect(throws: HTTPClientError.status(code: 500, body: "internal failure")) { try failed.successful() }

            let missing = try client.perform(HTTPClientRequest(url: server.url("/nope")))
            #expect(missing.status == 404)
            let error = #expect(throws: HTTPClientError.self) { try missing.successful() }
            guard case .status(let code, let body) = error else {
                Issue.record("expected .status, got \(String(describing: error))")
                return
            }
            #expect(code == 404)
            #expect(try JSONDecoder().decode(ErrorBody.self, from: Data(body.utf8)).error == "not_found")

            let created = try client.perform(HTTPClientRequest(url: server.url("/created")))
            #expect(try created.successful() == created)
            #expect(created.status == 201 && created.text == "made")
        }
    }

    @Test func reusesTheConnection() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/ping") { _ in .text("pong") } }
            defer { server.stop() }
            let client = HTTPClient()
            let first = try client.perform(HTTPClientRequest(url: server.url("/ping")))
            let second = try client.perform(HTTPClientRequest(url: server.url("/ping")))
            let third = try client.perform(HTTPClientRequest(method: "POST", url: server.url("/ping")))
            #expect(first.text == "pong" && second.text == "pong")
            #expect(!first.reusedConnection)
            #expect(second.reusedConnection)
            #expect(third.status == 405 && third.reusedConnection)
            // Another client has its own connection.
            #expect(try !HTTPClient().perform(HTTPClientRequest(url: server.url("/ping"))).reusedConnection)
        }
    }

    @Test func timesOutASlowHandler() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/slow") { _ in
                    Thread.sleep(forTimeInterval: 0.6)
                    return .text("late")
                }
            }
            defer { server.stop() }
            let client = HTTPClient(configuration: .init(totalTimeout: 5))
            let started = Date()
            let error = #expect(throws: HTTPClientError.self) {
                try client.perform(HTTPClientRequest(url: server.url("/slow"), totalTimeout: 0.15))
            }
            let elapsed = Date().timeIntervalSince(started)
            guard case .timeout = error else {
                Issue.record("expected .timeout, got \(String(describing: error))")
                return
            }
            #expect(elapsed < 0.5, "the request's totalTimeout (0.15 s) must override the client's 5 s")
        }
    }

    @Test func connectionRefusedOnAPortWithNothingListening() async throws {
        try await onThread {
            let port = try RedisServerProcess.freePort()
            let error = #expect(throws: HTTPClientError.self) {
                try HTTPClient().perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
            }
            guard case .connectionRefused = error else {
                Issue.record("expected .connectionRefused, got \(String(describing: error))")
                return
            }
        }
    }

    @Test func rejectsHeadersWithLineBreaks() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/h", echoHandler) }
            defer { server.stop() }
            let client = HTTPClient()
            let bad: [[(String, String)]] = [
                [("X-Ok", "fine"), ("X-Injected", "a\r\nEvil: yes")],
                [("X-Injected", "a\nEvil: yes")],
                [("X-Injected", "a\rEvil: yes")],
                [("X-Bad\r\nEvil", "x")],
                [("X-Bad: Evil", "x")],
            ]
            for headers in bad {
                let error = #expect(throws: HTTPClientError.self) {
                    try client.perform(HTTPClientRequest(url: server.url("/h"), headers: headers))
                }
                guard case .invalidRequest = error else {
                    Issue.record("expected .invalidRequest for \(headers), got \(String(describing: error))")
                    continue
                }
            }
            // The client is still usable, and nothing of a rejected header leaked into the next request.
            let echo = try Echo.decode(try client.perform(HTTPClientRequest(url: server.url("/h"))).successful())
            #expect(echo.headers["evil"] == nil && echo.headers["x-injected"] == nil && echo.headers["x-ok"] == nil)
        }
    }

    @Test func rejectsAMalformedURL() async throws {
        try await onThread {
            let error = #expect(throws: HTTPClientError.self) {
                try HTTPClient().perform(HTTPClientRequest(url: "nope://127.0.0.1/x"))
            }
            guard case .invalidRequest = error else {
                Issue.record("expected .invalidRequest, got \(String(describing: error))")
                return
            }
        }
    }
}
