import Foundation
import HTTPClient
import HTTPServer
import Testing
import TestSupport

@Suite struct HTTPServerTests {
    @Test func routesByMethodAndExactPath() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/items") { _ in .text("list") }
                $0.on("post", "/items") { request in .text("create:\(String(decoding: request.body, as: UTF8.self))") }
                $0.on("GET", "/items/one") { _ in .text("one") }
            }
            defer { server.stop() }
            let client = HTTPClient()
            #expect(try client.perform(HTTPClientRequest(url: server.url("/items"))).text == "list")
            #expect(try client.perform(HTTPClientRequest(url: server.url("/items"), query: [("page", "2")])).text == "list")
            #expect(try client.perform(HTTPClientRequest(
                method: "POST", url: server.url("/items"), body: .raw(Data("x".utf8), contentType: "text/plain"))).text
                == "create:x")
            #expect(try client.perform(HTTPClientRequest(url: server.url("/items/one"))).text == "one")
            // Exact match only: no prefix, no trailing slash, case-sensitive.
            for path in ["/items/", "/items/two", "/item", "/ITEMS", "/", "/items/one/extra"] {
                #expect(try client.perform(HTTPClientRequest(url: server.url(path))).status == 404, "\(path)")
            }
        }
    }

    @Test func handlersSeeQueryHeadersAndBody() async throws {
        try await onThread {
            let server = try startServer { $0.on("PATCH", "/echo", echoHandler) }
            defer { server.stop() }
            let response = try HTTPClient().perform(HTTPClientRequest(
                method: "PATCH", url: server.url("/echo"), query: [("a", "1"), ("a", "2"), ("b", "x y")],
                headers: [("X-Mixed-Case", "V")], body: .json(Data(#"{"k":1}"#.utf8))))
            let echo = try Echo.decode(response)
            #expect(echo.method == "PATCH" && echo.path == "/echo")
            #expect(echo.query == ["a": "1", "b": "x y"]) // a repeated name keeps its first value
            #expect(echo.body == #"{"k":1}"# && echo.bodyBytes == 7)
            #expect(echo.headers["x-mixed-case"] == "V")
            #expect(echo.headers.keys.allSatisfy { $0 == $0.lowercased() })
        }
    }

    @Test func queryItemsKeepEveryRepeatedArgumentInOrder() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/items") { request in
                    .json(["ids": request.queryValues("ids[]"), "all": request.queryItems.map { "\($0.name)=\($0.value)" }])
                }
            }
            defer { server.stop() }
            let response = try HTTPClient().perform(HTTPClientRequest(
                url: server.url("/items"), query: [("ids[]", "438"), ("page", "1"), ("ids[]", "439"), ("ids[]", "x y")]))
            let echo = try JSONDecoder().decode([String: [String]].self, from: response.body)
            #expect(echo["ids"] == ["438", "439", "x y"])
            #expect(echo["all"] == ["ids[]=438", "page=1", "ids[]=439", "ids[]=x y"])
        }
    }

    @Test func unknownPathIsA404JSONError() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/known") { _ in .text("ok") } }
            defer { server.stop() }
            let response = try HTTPClient().perform(HTTPClientRequest(method: "POST", url: server.url("/unknown")))
            #expect(response.status == 404)
            #expect(response.header("Content-Type") == "application/json")
            let error = try JSONDecoder().decode(ErrorBody.self, from: response.body)
            #expect(error.error == "not_found")
            #expect(error.message.contains("/unknown"))
        }
    }

    @Test func wrongMethodIsA405WithAllow() async throws {
        try await onThread {
            let handled = Counter()
            let server = try startServer {
                $0.on("POST", "/thing") { _ in handled.increment(); return .text("posted") }
                $0.on("GET", "/thing") { _ in handled.increment(); return .text("got") }
            }
            defer { server.stop() }
            let client = HTTPClient()
            for method in ["DELETE", "PUT"] {
                let response = try client.perform(HTTPClientRequest(method: method, url: server.url("/thing")))
                #expect(response.status == 405)
                #expect(response.header("allow") == "GET, POST")
                #expect(response.header("content-type") == "application/json")
                let error = try JSONDecoder().decode(ErrorBody.self, from: response.body)
                #expect(error.error == "method_not_allowed")
                #expect(error.message.contains(method))
            }
            #expect(handled.current == 0)
        }
    }

    @Test func headOfAGetRouteHasAnEmptyBody() async throws {
        try await onThread {
            let server = try startServer {
                $0.on("GET", "/doc") { _ in
                    ServerResponse(status: 200, headers: [("X-Doc", "1")], body: Data("a body that HEAD must not see".utf8))
                }
                $0.on("POST", "/post-only") { _ in .text("posted") }
            }
            defer { server.stop() }
            let client = HTTPClient()
            let head = try client.perform(HTTPClientRequest(method: "HEAD", url: server.url("/doc")))
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.header("x-doc") == "1")
            // The connection is still in sync after a HEAD: the next GET gets the full body.
            let get = try client.perform(HTTPClientRequest(url: server.url("/doc")))
            #expect(get.text == "a body that HEAD must not see")
            // HEAD falls back to GET only: a POST-only route answers 405.
            let headOfPost = try client.perform(HTTPClientRequest(method: "HEAD", url: server.url("/post-only")))
            #expect(headOfPost.status == 405 && headOfPost.body.isEmpty && headOfPost.header("allow") == "POST")
        }
    }

    @Test func bodyOverTheCapWithContentLengthIs413() async throws {
        try await onThread {
            let handled = Counter()
            let server = try startServer(maxBodyBytes: 1024) {
                $0.on("POST", "/upload") { request in handled.increment(); return .text("\(request.body.count)") }
            }
            defer { server.stop() }
            let client = HTTPClient()
            for size in [1025, 4096, 1 << 20] {
                let response = try client.perform(HTTPClientRequest(
                    method: "POST", url: server.url("/upload"), body: .raw(Data(repeating: 0x61, count: size),
                                                                           contentType: "application/octet-stream")))
                #expect(response.status == 413, "\(size) bytes")
                #expect(response.header("content-type") == "application/json")
                let error = try JSONDecoder().decode(ErrorBody.self, from: response.body)
                #expect(error.error == "payload_too_large")
                #expect(error.message.contains("1024"))
            }
            #expect(handled.current == 0)
            // The server still serves a fresh request normally.
            let ok = try HTTPClient().perform(HTTPClientRequest(
                method: "POST", url: server.url("/upload"), body: .raw(Data("small".utf8), contentType: "text/plain")))
            #expect(ok.status == 200 && ok.text == "5")
            #expect(handled.current == 1)
        }
    }

    @Test func bodyExactlyAtTheCapIsAccepted() async throws {
        try await onThread {
            let server = try startServer(maxBodyBytes: 1024) { $0.on("POST", "/upload", echoHandler) }
            defer { server.stop() }
            let body = String((0..<1024).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
            let response = try HTTPClient().perform(HTTPClientRequest(
                method: "POST", url: server.url("/upload"), body: .raw(Data(body.utf8), contentType: "text/plain")))
            #expect(response.status == 200)
            let echo = try Echo.decode(response)
            #expect(echo.bodyBytes == 1024)
            #expect(echo.body == body)
        }
    }

    @Test func chunkedUploadOverTheCapIs413AndUnderIsAccepted() async throws {
        try await onThread {
            let handled = Counter()
            let server = try startServer(maxBodyBytes: 1024) {
                $0.on("POST", "/upload") { request in
                    handled.increment()
                    return .text("got \(request.body.count): \(String(decoding: request.body.prefix(10), as: UTF8.self))")
                }
            }
            defer { server.stop() }
            let head = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
                + "Content-Type: text/plain\r\nConnection: close\r\n\r\n"
            func chunk(_ text: String) -> String { String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n" }

            // 3 chunks of 400 bytes, sent as separate writes: 1200 > 1024, no Content-Length to refuse up front.
            let piece = String(repeating: "z", count: 400)
            let over = try rawExchange(port: server.port, [head, chunk(piece), chunk(piece), chunk(piece), "0\r\n\r\n"])
            #expect(over.status == 413)
            #expect(over.headerLines.contains { $0.lowercased() == "content-type: application/json" })
            let error = try JSONDecoder().decode(ErrorBody.self, from: Data(over.body.utf8))
            #expect(error.error == "payload_too_large")
            #expect(handled.current == 0)

            // 1024 bytes in two chunks: exactly at the cap, reassembled in order.
            let under = try rawExchange(port: server.port, [
                head, chunk("0123456789" + String(repeating: "a", count: 502)), chunk(String(repeating: "b", count: 512)),
                "0\r\n\r\n",
            ])
            #expect(under.status == 200)
            #expect(under.body == "got 1024: 0123456789")
            #expect(handled.current == 1)
        }
    }

    @Test func answersManyConcurrentRequestsFromSeveralThreads() async throws {
        try await onThread {
            let server = try startServer(threads: 4) {
                $0.on("GET", "/work") { request in
                    .json(["thread": request.query["thread"] ?? "", "i": request.query["i"] ?? ""])
                }
                $0.on("POST", "/work", echoHandler)
            }
            defer { server.stop() }
            let threads = 8, perThread = 50
            let ok = Counter()
            let failures = FailureLog()
            let group = DispatchGroup()
            let url = server.url("/work")
            for t in 0..<threads {
                group.enter()
                let thread = Thread {
                    defer { group.leave() }
                    let client = HTTPClient()
                    for i in 0..<perThread {
                        do {
                            if i % 2 == 0 {
                                let response = try client.perform(HTTPClientRequest(
                                    url: url, query: [("thread", "\(t)"), ("i", "\(i)")])).successful()
                                let answer = try JSONDecoder().decode([String: String].self, from: response.body)
                                if answer == ["thread": "\(t)", "i": "\(i)"] { ok.increment() }
                                else { failures.add("t\(t) i\(i): wrong answer \(answer)") }
                            } else {
                                let body = "thread \(t) request \(i)"
                                let response = try client.perform(HTTPClientRequest(
                                    method: "POST", url: url, body: .raw(Data(body.utf8), contentType: "text/plain")))
                                    .successful()
                                let echo = try Echo.decode(response)
                                if echo.body == body { ok.increment() } else { failures.add("t\(t) i\(i): \(echo.body)") }
                            }
                        } catch {
                            failures.add("t\(t) i\(i): \(error)")
                        }
                    }
                }
                thread.start()
            }
            #expect(group.wait(timeout: .now() + 8) == .success)
            #expect(failures.entries.isEmpty, "\(failures.entries.prefix(5))")
            #expect(ok.current == threads * perThread)
        }
    }

    @Test func stopClosesTheListener() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/ping") { _ in .text("pong") } }
            let port = server.port
            #expect(port != 0)
            let client = HTTPClient()
            #expect(try client.perform(HTTPClientRequest(url: server.url("/ping"))).text == "pong")
            server.stop()
            #expect(server.port == 0)
            server.stop() // idempotent

            for (label, someClient) in [("same client", client), ("new client", HTTPClient())] {
                let error = #expect(throws: HTTPClientError.self, "\(label)") {
                    try someClient.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/ping"))
                }
                guard case .connectionRefused = error else {
                    Issue.record("\(label): expected .connectionRefused, got \(String(describing: error))")
                    continue
                }
            }
        }
    }

    @Test func startOnATakenPortThrows() async throws {
        try await onThread {
            let first = try startServer { $0.on("GET", "/ping") { _ in .text("first") } }
            defer { first.stop() }
            let second = HTTPServer(configuration: .init(host: "127.0.0.1", port: first.port), router: Router())
            #expect(throws: HTTPServerError.startFailed(host: "127.0.0.1", port: first.port)) { try second.start() }
            #expect(second.port == 0)
            // The first server is unaffected.
            #expect(try HTTPClient().perform(HTTPClientRequest(url: first.url("/ping"))).text == "first")
        }
    }

    @Test func startWithAHostThatIsNotAnIPLiteralThrows() async throws {
        try await onThread {
            let server = HTTPServer(configuration: .init(host: "localhost", port: 0), router: Router())
            #expect(throws: HTTPServerError.startFailed(host: "localhost", port: 0)) { try server.start() }
        }
    }

    @Test func startIsIdempotentAndTheServerRestartsAfterStop() async throws {
        try await onThread {
            let server = try startServer { $0.on("GET", "/ping") { _ in .text("pong") } }
            defer { server.stop() }
            let port = server.port
            try server.start()
            #expect(server.port == port)
            server.stop()
            try server.start()
            #expect(server.port != 0)
            #expect(try HTTPClient().perform(HTTPClientRequest(url: server.url("/ping"))).text == "pong")
        }
    }
}
