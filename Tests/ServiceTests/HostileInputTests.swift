import Foundation
import HTTPClient
import Qiscus
import Redis
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Hostile input ("Reliability and security", item 5): a corpus of bad requests against a real
/// `allocator serve`, and a seeded fuzz of the webhook payload decoders without any server.
@Suite struct HostileInputTests {
    // MARK: - Corpus against a running service

    /// Every request is refused with a 4xx JSON error (except the half-sent ones, which get no answer),
    /// stores nothing, and leaves the process serving; a valid webhook is still queued at the end.
    @Test func hostileRequestCorpusIsRefusedWithoutStoringAnything() async throws {
        try await onThread {
            let corpus = HostileCorpus.requests()
            #expect(corpus.count >= 50, "the corpus has \(corpus.count) requests")
            let harness = try ServiceHarness(instances: 1, agents: 2)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let port = try #require(UInt16(base.split(separator: ":").last.map(String.init) ?? ""))
            let redis = harness.redis.connect()
            func keys() throws -> [String] {
                try redis.execute(["KEYS", "*"]).array?.compactMap(\.string).sorted() ?? []
            }
            let client = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 2))
            func expectHealthy(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
                let started = Date()
                let health = try? client.perform(HTTPClientRequest(url: base + "/healthz"))
                #expect(health?.status == 200, "GET /healthz after \(context): \(health?.text ?? "no answer")",
                        sourceLocation: sourceLocation)
                #expect(Date().timeIntervalSince(started) < 1, "GET /healthz after \(context) is prompt",
                        sourceLocation: sourceLocation)
            }
            #expect(try keys() == [], "Redis is empty before the corpus")

            for (index, request) in corpus.enumerated() {
                switch request.delivery {
                case .halfBodyThenClose, .halfBodyHeldOpen:
                    // No answer is awaited: the server may wait for the rest until its connection timeout.
                    let fd = try HostileWire.openSocket(port: port)
                    HostileWire.sendAll(fd, request.wireBytes, stopWhenAnswered: false)
                    if request.delivery == .halfBodyHeldOpen { expectHealthy("\(request.name) (held open)") }
                    close(fd)
                case .whole, .chunked:
                    let answer: HostileWire.Answer
                    do {
                        answer = try HostileWire.exchange(port: port, request.wireBytes)
                    } catch {
                        Issue.record("\(request.name): no answer: \(error)")
                        continue
                    }
                    Self.expectJSONError(answer, request)
                }
                let stored = try keys()
                #expect(stored == [], "\(request.name) stored \(stored)")
                #expect(harness.instance(0).isRunning, "the instance died after \(request.name)")
                if index % 10 == 9 { expectHealthy(request.name) }
            }
            expectHealthy("the whole corpus")

            let valid = try harness.post(base + "/webhooks/allocate", json: Data(#"{"room_id":"123"}"#.utf8), client: client)
            #expect(valid.status == 200, "\(valid.text)")
            let fields = try? JSONSerialization.jsonObject(with: valid.body) as? [String: Any]
            #expect(fields?["status"] as? String == "queued", "\(valid.text)")
            #expect(fields?["room_id"] as? String == "123", "\(valid.text)")
            #expect(try !keys().isEmpty, "the valid webhook is stored (so the empty-Redis checks above mean something)")
            #expect(harness.instance(0).isRunning)
        }
    }

    /// A percent-encoded NUL is not decoded (the handlers read C strings, which it would cut short): not in the
    /// path, where `/webhooks/allocate%00.json` would reach the webhook, nor in the secret.
    @Test func encodedNULIsNotCutOff() async throws {
        try await onThread {
            let secret = "whs-\(UUID().uuidString)"
            let harness = try ServiceHarness(instances: 1, agents: 1, environment: ["WEBHOOK_SECRET": secret])
            defer { harness.stop() }
            let port = try #require(UInt16(harness.instanceURLs[0].split(separator: ":").last.map(String.init) ?? ""))
            let body = Array(#"{"room_id":"321"}"#.utf8)
            func post(_ target: String) throws -> HostileWire.Answer {
                try HostileWire.exchange(port: port, HostileRequest(name: target, target: Array(target.utf8), body: body).wireBytes)
            }
            let cut = HostileRequest(name: "secret%00", target: [], body: [], status: 401, code: "unauthorized")
            Self.expectJSONError(try post("/webhooks/allocate?secret=\(secret)%00anything"), cut)
            let path = HostileRequest(name: "path%00", target: [], body: [], status: 404, code: "not_found")
            Self.expectJSONError(try post("/webhooks/allocate%00.json?secret=\(secret)"), path)
            #expect(try harness.redis.connect().execute(["KEYS", "*"]).array?.isEmpty == true, "nothing stored")
            let accepted = try post("/webhooks/allocate?secret=\(secret)")
            #expect(accepted.status == 200, "\(accepted.text)")
        }
    }

    /// A 4xx with `Content-Type: application/json` and a body `{"error": String, "message": String, ...}`.
    static func expectJSONError(_ answer: HostileWire.Answer, _ request: HostileRequest) {
        let name = request.name
        #expect((400..<500).contains(answer.status), "\(name): status \(answer.status): \(answer.text.prefix(300))")
        if let status = request.status {
            #expect(answer.status == status, "\(name): status \(answer.status): \(answer.text.prefix(300))")
        }
        #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true,
                "\(name): content type \(answer.headers["content-type"] ?? "none")")
        let object = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any]
        let error = object?["error"] as? String, message = object?["message"] as? String
        #expect(error?.isEmpty == false && message?.isEmpty == false,
                "\(name): not a JSON error body: \(answer.text.prefix(300))")
        if let code = request.code { #expect(error == code, "\(name): error \(error ?? "none"), expected \(code)") }
    }

    // MARK: - Fuzz of the payload decoders

    /// Seeded fuzz of `AllocationWebhook` and `ResolveWebhook` decoding: random bytes, mutated fixtures and
    /// valid room ids in valid bodies. Set `HOSTILE_FUZZ_SEED` to replay a failing seed.
    @Test func payloadDecodersHoldTheirPropertiesUnderFuzzing() async throws {
        try await onThread {
            let seed = ProcessInfo.processInfo.environment["HOSTILE_FUZZ_SEED"].flatMap { UInt64($0) }
                ?? UInt64.random(in: .min ... .max)
            var random = SplitMix64(seed: seed)
            let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            func fixture(_ name: String) throws -> FuzzJSON {
                let data = try Data(contentsOf: directory.appendingPathComponent("qiscus/\(name).json"))
                return try JSONDecoder().decode(FuzzJSON.self, from: data)
            }
            let allocationFixtures = try ["caa-webhook-new", "caa-webhook-returning"].map(fixture)
                + [.object([("room_id", .string("1"))])]
            let resolveFixtures = try [fixture("resolve-webhook"), .object([("service", .object([("room_id", .string("1"))]))])]
            let everyFixture = allocationFixtures + resolveFixtures
            var failures: [String] = []
            var cases = 0, mutantsDecoded = 0
            func fail(_ problem: String, _ body: [UInt8]) {
                guard failures.count < 20 else { return }
                let text = String(decoding: body.prefix(400), as: UTF8.self)
                failures.append("case \(cases): \(problem); body (\(body.count) bytes): \(text.debugDescription)")
            }

            // 1. Random byte strings, plain or JSON-flavoured, sometimes after a valid-looking prefix.
            for _ in 0..<2_000 {
                cases += 1
                let body = FuzzGenerator.randomBytes(using: &random)
                for problem in FuzzGenerator.violations(of: body) { fail(problem, body) }
            }
            // 2. JSON-ish mutations of the fixtures (structure, then sometimes bytes).
            for _ in 0..<4_000 {
                cases += 1
                var tree = everyFixture[Int.random(in: 0..<everyFixture.count, using: &random)]
                for _ in 0...Int.random(in: 0...2, using: &random) { tree = FuzzGenerator.mutate(tree, using: &random) }
                var body = Array(tree.text.utf8)
                if Int.random(in: 0..<10, using: &random) < 3 { body = FuzzGenerator.mutateBytes(body, using: &random) }
                for problem in FuzzGenerator.violations(of: body) { fail(problem, body) }
                if FuzzGenerator.decodes(body) { mutantsDecoded += 1 }
            }
            // 3. A valid room id (1-32 digits, leading zeros allowed, digits sometimes \u-escaped) in a valid body,
            //    whose other fields may be anything, decodes to exactly that id; the same id as a number never does.
            for _ in 0..<2_000 {
                cases += 1
                let id = FuzzGenerator.validRoomID(using: &random)
                let resolve = Bool.random(using: &random)
                let fixtures = resolve ? resolveFixtures : allocationFixtures
                var tree = fixtures[Int.random(in: 0..<fixtures.count, using: &random)]
                for _ in 0..<Int.random(in: 0...3, using: &random) {
                    tree = FuzzGenerator.mutateOtherFields(tree, keeping: resolve ? "service" : "room_id", using: &random)
                }
                let path = resolve ? ["service", "room_id"] : ["room_id"]
                let body = Array(tree.setting(path, to: .string(FuzzGenerator.escapedDigits(id, using: &random))).text.utf8)
                let decodedID: String?
                if resolve {
                    decodedID = (try? JSONDecoder().decode(ResolveWebhook.self, from: Data(body)))?.roomID
                } else {
                    decodedID = (try? JSONDecoder().decode(AllocationWebhook.self, from: Data(body)))?.roomID
                }
                if decodedID != id { fail("room id \(id) decoded as \(decodedID ?? "an error")", body) }
                for problem in FuzzGenerator.violations(of: body) { fail(problem, body) }

                let number = Array(tree.setting(path, to: .number(id)).text.utf8)
                let numberAccepted = resolve
                    ? (try? JSONDecoder().decode(ResolveWebhook.self, from: Data(number))) != nil
                    : (try? JSONDecoder().decode(AllocationWebhook.self, from: Data(number))) != nil
                if numberAccepted { fail("room id \(id) sent as a JSON number was accepted", number) }
            }
            #expect(cases >= 5_000)
            #expect(mutantsDecoded >= 400, "seed \(seed): only \(mutantsDecoded) of 4,000 mutated fixtures decoded, so the properties were barely checked")
            let report = failures.joined(separator: "\n")
            #expect(failures.isEmpty, "fuzz seed \(seed) (replay with HOSTILE_FUZZ_SEED=\(seed)), failures:\n\(report)")
        }
    }
}

// MARK: - The corpus

/// One hostile request, written byte for byte onto a socket (so nothing normalizes the path or the body).
struct HostileRequest {
    enum Delivery: Equatable {
        /// The whole request with `Content-Length`; the answer is read.
        case whole
        /// `Transfer-Encoding: chunked` in 64 KiB chunks; the answer is read.
        case chunked
        /// `Content-Length: 100` and only the body given (10 bytes), then the socket is closed.
        case halfBodyThenClose
        /// As above, but the socket stays open while another request is served.
        case halfBodyHeldOpen
    }

    var name: String
    var method = "POST"
    var target: [UInt8]
    var body: [UInt8]
    var delivery = Delivery.whole
    /// The exact status expected, or nil for "any 4xx".
    var status: Int?
    /// The expected `error` code, or nil for any.
    var code: String?

    var wireBytes: [UInt8] {
        var head = Array("\(method) ".utf8) + target + Array(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".utf8)
        head += Array("Content-Type: application/json\r\n".utf8)
        switch delivery {
        case .whole:
            head += Array("Content-Length: \(body.count)\r\n\r\n".utf8)
            return head + body
        case .halfBodyThenClose, .halfBodyHeldOpen:
            head += Array("Content-Length: 100\r\n\r\n".utf8)
            return head + body
        case .chunked:
            head += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
            var offset = 0
            while offset < body.count {
                let piece = body[offset..<min(body.count, offset + 65_536)]
                head += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + Array("\r\n".utf8)
                offset += piece.count
            }
            return head + Array("0\r\n\r\n".utf8)
        }
    }
}

/// The bad requests. Left out on purpose, because the service accepts it and that is fine: an encoded slash
/// (`/webhooks%2Fallocate` is percent-decoded to the webhook's path, as MHD does for every path).
enum HostileCorpus {
    static let allocate = Array("/webhooks/allocate".utf8)
    static let resolve = Array("/webhooks/resolve".utf8)

    static func post(_ name: String, _ body: String, to target: [UInt8] = allocate, status: Int? = 400,
                     code: String? = nil) -> HostileRequest {
        HostileRequest(name: name, target: target, body: Array(body.utf8), status: status, code: code)
    }

    static func postBytes(_ name: String, _ body: [UInt8], to target: [UInt8] = allocate, status: Int? = 400,
                          code: String? = nil) -> HostileRequest {
        HostileRequest(name: name, target: target, body: body, status: status, code: code)
    }

    /// `{"room_id":<value>}` with the value given as JSON text.
    static func room(_ name: String, _ value: String) -> HostileRequest {
        post("room_id \(name)", #"{"room_id":\#(value)}"#, code: "invalid_room_id")
    }

    /// `{"service":{"id":5,"room_id":<value>}}` to the resolve webhook.
    static func serviceRoom(_ name: String, _ value: String) -> HostileRequest {
        post("resolve service.room_id \(name)", #"{"service":{"id":5,"room_id":\#(value)}}"#, to: resolve,
             code: "invalid_room_id")
    }

    static func nested(_ depth: Int, open: String, close: String) -> String {
        String(repeating: open, count: depth) + String(repeating: close, count: depth)
    }

    static func requests() -> [HostileRequest] {
        let deepArrays = nested(10_000, open: "[", close: "]")
        let deepObjects = nested(10_000, open: #"{"a":"#, close: "}")
        var tenMegabytes = Array(#"{"room_id":"123","pad":""#.utf8)
        tenMegabytes += [UInt8](repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)
        tenMegabytes += Array(#""}"#.utf8)
        var twoMegabytesChunked = Array(#"{"room_id":"124","pad":""#.utf8)
        twoMegabytesChunked += [UInt8](repeating: UInt8(ascii: "b"), count: 2 * 1024 * 1024)
        twoMegabytesChunked += Array(#""}"#.utf8)
        let fixture = #"{"room_id":"57491250","is_new_session":true,"latest_service":null}"#

        return [
            // Not JSON.
            post("truncated object", #"{"room_id":"123""#, code: "invalid_json"),
            post("double comma", #"{"room_id":"123",,"x":1}"#, code: "invalid_json"),
            post("single quotes", "{'room_id':'123'}", code: "invalid_json"),
            post("trailing garbage", #"{"room_id":"123"}}"#, code: "invalid_json"),
            post("form encoded", "room_id=123", code: "invalid_json"),
            post("bare word", "FLUSHALL", code: "invalid_json"),
            post("unquoted key", #"{room_id:"123"}"#, code: "invalid_json"),
            post("comment", #"{"room_id":"123" /* x */}"#, code: "invalid_json"),
            postBytes("raw NUL in a string", Array(#"{"room_id":"12"#.utf8) + [0] + Array(#""}"#.utf8),
                      code: "invalid_json"),
            // JSON that Foundation's parser tolerates but RFC 8259 does not (checked by StrictJSON).
            post("trailing comma in the object", #"{"room_id":"123",}"#, code: "invalid_json"),
            post("trailing comma in a field", #"{"room_id":"123","x":[1,2,]}"#, code: "invalid_json"),
            post("comment before the body", #"/* x */{"room_id":"123"}"#, code: "invalid_json"),
            post("line comment after the body", "{\"room_id\":\"123\"} // x", code: "invalid_json"),
            post("NaN in a field", #"{"room_id":"123","x":NaN}"#, code: "invalid_json"),
            post("Infinity in a field", #"{"room_id":"123","x":-Infinity}"#, code: "invalid_json"),
            post("leading zero in a field", #"{"room_id":"123","latest_service":{"id":0123}}"#, code: "invalid_json"),
            post("leading plus in a field", #"{"room_id":"123","x":+1}"#, code: "invalid_json"),
            post("hex number in a field", #"{"room_id":"123","x":0x1F}"#, code: "invalid_json"),
            post("bare fraction in a field", #"{"room_id":"123","x":.5}"#, code: "invalid_json"),
            post("single-quoted value in a field", #"{"room_id":"123","x":'y'}"#, code: "invalid_json"),
            post("invalid escape in a field", #"{"room_id":"123","x":"\x41"}"#, code: "invalid_json"),
            post("raw tab in a field", "{\"room_id\":\"123\",\"x\":\"a\tb\"}", code: "invalid_json"),
            post("lone surrogate in a field", #"{"room_id":"123","x":"\udc00"}"#, code: "invalid_json"),
            post("byte order mark", "\u{FEFF}{\"room_id\":\"123\"}", code: "invalid_json"),
            post("form feed as whitespace", "\u{0C}{\"room_id\":\"123\"}", code: "invalid_json"),
            post("garbage after the body", #"{"room_id":"123"}x"#, code: "invalid_json"),
            post("65 nested arrays in a field", #"{"room_id":"123","x":\#(nested(65, open: "[", close: "]"))}"#,
                 code: "invalid_json"),
            post("room_id twice, the same", #"{"room_id":"123","room_id":"123"}"#, code: "invalid_json"),
            post("room_id twice, different", #"{"room_id":"123","room_id":"456"}"#, code: "invalid_json"),
            post("room_id twice, once escaped", #"{"room_id":"123","room\u005fid":"456"}"#, code: "invalid_json"),
            post("duplicate key in latest_service", #"{"room_id":"123","latest_service":{"id":1,"id":2}}"#,
                 code: "invalid_json"),
            post("resolve service twice", #"{"service":{"room_id":"123"},"service":{"room_id":"456"}}"#, to: resolve,
                 code: "invalid_json"),
            post("resolve service.room_id twice", #"{"service":{"room_id":"123","room_id":"456"}}"#, to: resolve,
                 code: "invalid_json"),
            post("resolve trailing comma", #"{"service":{"id":5,"room_id":"123",}}"#, to: resolve, code: "invalid_json"),
            // Not UTF-8.
            postBytes("invalid UTF-8 in room_id", Array(#"{"room_id":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8)),
            postBytes("overlong UTF-8 digit in room_id", Array(#"{"room_id":"12"#.utf8) + [0xC0, 0xB3] + Array(#""}"#.utf8)),
            postBytes("UTF-16 BOM then garbage", [0xFF, 0xFE, 0x00, 0x7B, 0xFF, 0xFF]),
            postBytes("lone continuation bytes", [0x80, 0x81, 0x82, 0xBF]),
            postBytes("invalid UTF-8 in another field", Array(#"{"room_id":"123","name":""#.utf8) + [0xED, 0xA0, 0x80]
                        + Array(#""}"#.utf8)),
            // JSON, but not an object.
            post("array", "[]", code: "invalid_payload"),
            post("array of a valid body", "[\(fixture)]", code: "invalid_payload"),
            post("string", #""123""#, code: "invalid_payload"),
            post("number", "123", code: "invalid_payload"),
            post("null", "null", code: "invalid_payload"),
            post("true", "true", code: "invalid_payload"),
            // room_id missing or of the wrong type.
            post("empty object", "{}", code: "invalid_room_id"),
            post("room_id misspelled", #"{"roomId":"123","ROOM_ID":"123"}"#, code: "invalid_room_id"),
            room("as a number", "123"),
            room("as a bool", "true"),
            room("as an object", #"{"id":"123"}"#),
            room("as an array", #"["123"]"#),
            room("as null", "null"),
            room("as a huge number", "1e400"),
            // room_id strings that are not 1-32 ASCII digits.
            room("empty", #""""#),
            room("negative", #""-1""#),
            room("decimal", #""1.5""#),
            room("leading space", #"" 1""#),
            room("trailing space", #""1 ""#),
            room("1 KB long", "\"\(String(repeating: "7", count: 1024))\""),
            room("33 digits", "\"\(String(repeating: "9", count: 33))\""),
            room("with CR LF", #""1\r\n""#),
            room("CR LF FLUSHALL", #""1\r\nFLUSHALL""#),
            room("star", #""*""#),
            room("hash tag braces", #""{x}""#),
            room("escaped NUL", #""\u0000""#),
            room("digits then escaped NUL", #""12\u0000""#),
            room("Arabic-Indic digits", #""١٢٣""#),
            room("fullwidth digits", #""１２３""#),
            room("hex", #""0x1F""#),
            room("plus sign", #""+1""#),
            room("exponent", #""1e3""#),
            room("a Redis key", #""caa:{sim-app}:queue""#),
            // (A lone surrogate and a repeated key are refused before the room id is read: StrictJSON.)
            post("room_id lone surrogate", #"{"room_id":"12\ud800"}"#, code: "invalid_json"),
            post("room_id twice, both bad", #"{"room_id":"x","room_id":"1\r\nFLUSHALL"}"#, code: "invalid_json"),
            // Deep nesting: inside a field of a valid-looking body, and as the whole body.
            post("10,000 nested arrays in a field", #"{"room_id":"123","x":\#(deepArrays)}"#),
            post("10,000 nested arrays as the body", deepArrays),
            post("10,000 nested objects as the body", deepObjects),
            post("10,000 nested arrays as room_id", #"{"room_id":\#(deepArrays)}"#),
            // Too large.
            postBytes("10 MB body", tenMegabytes, status: 413, code: "payload_too_large"),
            HostileRequest(name: "2 MB chunked body", target: allocate, body: twoMegabytesChunked, delivery: .chunked,
                           status: 413, code: "payload_too_large"),
            // Half sent.
            HostileRequest(name: "half body, closed", target: allocate, body: Array(#"{"room_id""#.utf8),
                           delivery: .halfBodyThenClose),
            HostileRequest(name: "half body, held open", target: allocate, body: Array(#"{"room_id""#.utf8),
                           delivery: .halfBodyHeldOpen),
            // Methods.
            HostileRequest(name: "BREW", method: "BREW", target: allocate, body: Array(fixture.utf8), status: 405,
                           code: "method_not_allowed"),
            HostileRequest(name: "PATCH", method: "PATCH", target: allocate, body: Array(fixture.utf8), status: 405,
                           code: "method_not_allowed"),
            HostileRequest(name: "DELETE", method: "DELETE", target: resolve, body: [], status: 405,
                           code: "method_not_allowed"),
            HostileRequest(name: "lower-case post", method: "post", target: allocate, body: Array(fixture.utf8),
                           status: 405, code: "method_not_allowed"),
            HostileRequest(name: "OPTIONS", method: "OPTIONS", target: allocate, body: [], status: 405,
                           code: "method_not_allowed"),
            // Paths.
            post("trailing slash", fixture, to: Array("/webhooks/allocate/".utf8), status: 404, code: "not_found"),
            post("upper-case path", fixture, to: Array("/webhooks/ALLOCATE".utf8), status: 404, code: "not_found"),
            post("dot-dot path", fixture, to: Array("/../etc/passwd".utf8), status: 404, code: "not_found"),
            post("dot-dot into the webhook", fixture, to: Array("/x/../webhooks/allocate".utf8), status: 404,
                 code: "not_found"),
            post("double slash", fixture, to: Array("//webhooks/allocate".utf8), status: 404, code: "not_found"),
            post("encoded dot-dot", fixture, to: Array("/x/%2e%2e/webhooks/allocate".utf8), status: 404, code: "not_found"),
            post("encoded NUL after the path", fixture, to: Array("/webhooks/allocate%00.json".utf8), status: 404,
                 code: "not_found"),
            post("2 KB path", fixture, to: Array("/webhooks/\(String(repeating: "a", count: 2048))".utf8), status: 404,
                 code: "not_found"),
            post("asterisk target", fixture, to: Array("*".utf8), status: 404, code: "not_found"),
            postBytes("invalid UTF-8 path", Array(fixture.utf8), to: Array("/webhooks/".utf8) + [0xFF, 0xFE],
                      status: 404, code: "not_found"),
            // The resolve webhook.
            post("resolve without service", #"{"room_id":"57491250"}"#, to: resolve, code: "invalid_payload"),
            post("resolve service null", #"{"service":null}"#, to: resolve),
            post("resolve service a string", #"{"service":"57491250"}"#, to: resolve, code: "invalid_payload"),
            post("resolve service an array", #"{"service":[{"room_id":"57491250"}]}"#, to: resolve,
                 code: "invalid_payload"),
            post("resolve service a number", #"{"service":57491250}"#, to: resolve, code: "invalid_payload"),
            post("resolve service empty", #"{"service":{}}"#, to: resolve, code: "invalid_room_id"),
            serviceRoom("as a number", "57491250"),
            serviceRoom("empty", #""""#),
            serviceRoom("CR LF FLUSHALL", #""1\r\nFLUSHALL""#),
            serviceRoom("Arabic-Indic digits", #""١٢٣""#),
            serviceRoom("null", "null"),
            serviceRoom("star", #""*""#),
            post("resolve not JSON", #"{"service":{"room_id":"1""#, to: resolve, code: "invalid_json"),
            post("resolve array", "[]", to: resolve, code: "invalid_payload"),
            post("resolve deep nesting", #"{"service":\#(deepArrays)}"#, to: resolve),
        ]
    }
}

// MARK: - Raw sockets

/// Writes requests byte for byte and reads answers, for what libcurl would normalize or refuse to send.
enum HostileWire {
    struct Answer {
        var status: Int
        /// Header values by lower-cased name.
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A connected loopback socket with 5 s send and receive timeouts.
    static func openSocket(port: UInt16) throws -> Int32 {
        try LoopbackSocket.connect(port: port)
    }

    /// Sends `bytes` in 64 KiB pieces until done, the peer closes, or (with `stopWhenAnswered`) an answer
    /// is waiting: a server may refuse a large body before reading it.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8], stopWhenAnswered: Bool) {
        var offset = 0
        while offset < bytes.count {
            if stopWhenAnswered {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                if poll(&poller, 1, 0) > 0 { return }
            }
            let end = min(bytes.count, offset + 65_536)
            let sent = bytes[offset..<end].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Sends the request on a new connection and reads the answer until the server closes it.
    static func exchange(port: UInt16, _ request: [UInt8]) throws -> Answer {
        let fd = try openSocket(port: port)
        defer { close(fd) }
        sendAll(fd, request, stopWhenAnswered: true)
        var received = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 || (errno == ECONNRESET && !received.isEmpty) {
                break
            } else {
                throw Failure(description: "recv() failed after \(received.count) bytes: errno \(errno)")
            }
        }
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        guard let split = (0..<max(0, received.count - 3)).first(where: { Array(received[$0..<$0 + 4]) == separator })
        else { throw Failure(description: "no response head in \(String(decoding: received.prefix(300), as: UTF8.self))") }
        let lines = String(decoding: received[..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "bad status line \(lines[0].debugDescription)")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(received[(split + 4)...])
        if let length = headers["content-length"].flatMap({ Int($0) }), length < body.count { body = Array(body.prefix(length)) }
        return Answer(status: status, headers: headers, body: Data(body))
    }
}

// MARK: - Fuzzing


/// A JSON-ish tree that renders exactly what it holds: numbers as raw text, strings and keys as already
/// escaped content, objects as ordered pairs (duplicate keys allowed), so mutations can produce any text.
indirect enum FuzzJSON: Decodable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([FuzzJSON])
    case object([(String, FuzzJSON)])
    /// Raw text spliced in as is (e.g. 600 nested brackets).
    case raw(String)

    init(from decoder: Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let value = try? single.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? single.decode(Int64.self) {
            self = .number(String(value))
        } else if let value = try? single.decode(Double.self) {
            self = .number("\(value)")
        } else if let value = try? single.decode(String.self) {
            self = .string(Self.escape(value))
        } else if let value = try? single.decode([FuzzJSON].self) {
            self = .array(value)
        } else {
            let fields = try single.decode([String: FuzzJSON].self)
            self = .object(fields.sorted { $0.key < $1.key }.map { (Self.escape($0.key), $0.value) })
        }
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += String(format: "\\u%04x", scalar.value)
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    var text: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let text), .raw(let text): text
        case .string(let content): "\"\(content)\""
        case .array(let elements): "[" + elements.map(\.text).joined(separator: ",") + "]"
        case .object(let fields): "{" + fields.map { "\"\($0.0)\":\($0.1.text)" }.joined(separator: ",") + "}"
        }
    }

    /// A copy with the value at `path` (object keys) replaced, or added where missing (an object is made).
    func setting(_ path: [String], to value: FuzzJSON) -> FuzzJSON {
        guard let key = path.first else { return value }
        var fields: [(String, FuzzJSON)] = []
        if case .object(let existing) = self { fields = existing }
        if let index = fields.firstIndex(where: { $0.0 == key }) {
            fields[index].1 = fields[index].1.setting(Array(path.dropFirst()), to: value)
            fields = fields.enumerated().filter { $0.offset == index || $0.element.0 != key }.map(\.element)
        } else {
            fields.append((key, FuzzJSON.null.setting(Array(path.dropFirst()), to: value)))
        }
        return .object(fields)
    }

    /// How many nodes the tree has (to pick one at random).
    var size: Int {
        switch self {
        case .array(let elements): 1 + elements.map(\.size).reduce(0, +)
        case .object(let fields): 1 + fields.map(\.1.size).reduce(0, +)
        default: 1
        }
    }

    /// A copy with node number `index` (pre-order) transformed.
    func transformingNode(_ index: Int, _ transform: (FuzzJSON) -> FuzzJSON) -> FuzzJSON {
        var remaining = index
        return transformingNode(&remaining, transform)
    }

    private func transformingNode(_ remaining: inout Int, _ transform: (FuzzJSON) -> FuzzJSON) -> FuzzJSON {
        if remaining == 0 {
            remaining = -1
            return transform(self)
        }
        remaining -= 1
        switch self {
        case .array(let elements):
            var copy = elements
            for i in copy.indices where remaining >= 0 { copy[i] = copy[i].transformingNode(&remaining, transform) }
            return .array(copy)
        case .object(let fields):
            var copy = fields
            for i in copy.indices where remaining >= 0 { copy[i].1 = copy[i].1.transformingNode(&remaining, transform) }
            return .object(copy)
        default:
            return self
        }
    }
}

enum FuzzGenerator {
    /// Numbers that are valid JSON (if sometimes out of range), then ones that are not.
    static let validNumbers = ["0", "-0", "1", "-1", "1.5", "1.0", "1e3", "1E400", "-1e-400", "9223372036854775807",
                               "9223372036854775808", "-9223372036854775808", "18446744073709551616", "0.0", "57491250",
                               "88123401", "1e-7"]
    static let numbers = validNumbers + ["00", "01", "-", "1.", ".5", "NaN", "Infinity", "0x10", "+1"]
    /// String content that is valid JSON, then pieces that are not (or that decode to lone surrogates).
    static let validStringPieces = ["1", "23", "57491250", "0", " ", "-", ".", "\\u0000", "\\u0661", "\\u0031",
                                    "\\ud83d\\ude00", "\\r\\n", "\\n", "\\t", "\\\"", "\\\\", "\\/", "١٢", "１", "é",
                                    "😀", "*", "{x}", "FLUSHALL", "a", "\u{7F}"]
    static let stringPieces = validStringPieces + ["\\ud800", "\\udc00", "\\x41", "\\", "\"", "\u{1}", "\n"]
    /// Keys other than the webhooks' own names (and their escaped spellings).
    static let otherKeys = ["latest_service", "id", "is_new_session", "is_resolved", "app_id", "room_id ", "Room_ID",
                            "candidate_agent", "x", ""]
    static let keys = otherKeys + ["room_id", "service", "room\\u005fid"]
    static let jsonBytes = Array(#"{}[]":,0123456789 -+.eE\truefalsnl"#.utf8)

    /// Random bytes: uniform, JSON characters, or a valid prefix followed by either.
    static func randomBytes(using random: inout SplitMix64) -> [UInt8] {
        let count = Int.random(in: 0...300, using: &random)
        let style = Int.random(in: 0..<4, using: &random)
        var bytes: [UInt8] = switch style {
        case 2: Array(#"{"room_id":""#.utf8)
        case 3: Array(#"{"service":{"room_id":"#.utf8)
        default: []
        }
        for _ in 0..<count {
            if style == 0 || Int.random(in: 0..<8, using: &random) == 0 {
                bytes.append(UInt8.random(in: 0...255, using: &random))
            } else {
                bytes.append(jsonBytes[Int.random(in: 0..<jsonBytes.count, using: &random)])
            }
        }
        return bytes
    }

    /// Escaped string content made of hostile pieces and digit runs (only valid JSON string content when `valid`).
    static func randomStringContent(valid: Bool, using random: inout SplitMix64) -> String {
        let pieces = valid ? validStringPieces : stringPieces
        var content = ""
        for _ in 0..<Int.random(in: 0...5, using: &random) {
            if Bool.random(using: &random) {
                content += pieces[Int.random(in: 0..<pieces.count, using: &random)]
            } else {
                content += String((0..<Int.random(in: 0...40, using: &random)).map { _ in
                    Character(String(Int.random(in: 0...9, using: &random)))
                })
            }
        }
        return content
    }

    /// A random value; when `valid`, always valid JSON (nested at most 300 deep) and without the webhooks' own keys.
    static func randomValue(depth: Int = 0, valid: Bool = false, using random: inout SplitMix64) -> FuzzJSON {
        let choice = Int.random(in: 0..<(depth >= 3 ? 5 : 8), using: &random)
        let numberList = valid ? validNumbers : numbers, keyList = valid ? otherKeys : keys
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(numberList[Int.random(in: 0..<numberList.count, using: &random)])
        case 3, 4: return .string(randomStringContent(valid: valid, using: &random))
        case 5:
            return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in
                randomValue(depth: depth + 1, valid: valid, using: &random)
            })
        case 6:
            return .object((0..<Int.random(in: 0...3, using: &random)).map { _ in
                (keyList[Int.random(in: 0..<keyList.count, using: &random)],
                 randomValue(depth: depth + 1, valid: valid, using: &random))
            })
        default:
            let levels = Int.random(in: 1...(valid ? 300 : 1_200), using: &random)
            return .raw(String(repeating: "[", count: levels) + String(repeating: "]", count: levels))
        }
    }

    /// One structural mutation.
    static func mutate(_ tree: FuzzJSON, using random: inout SplitMix64) -> FuzzJSON {
        switch Int.random(in: 0..<7, using: &random) {
        case 0: // replace any node
            let node = Int.random(in: 0..<tree.size, using: &random)
            let value = randomValue(using: &random)
            return tree.transformingNode(node) { _ in value }
        case 1: // the room id, wherever the webhook keeps it
            let path = Bool.random(using: &random) ? ["room_id"] : ["service", "room_id"]
            return tree.setting(path, to: randomValue(using: &random))
        case 2: // the service objects
            let key = Bool.random(using: &random) ? "service" : "latest_service"
            return tree.setting([key], to: randomValue(using: &random))
        case 3: // delete a key somewhere
            let node = Int.random(in: 0..<tree.size, using: &random)
            let pick = UInt64.random(in: 0...UInt64.max, using: &random)
            return tree.transformingNode(node) { node in
                guard case .object(var fields) = node, !fields.isEmpty else { return node }
                fields.remove(at: Int(pick % UInt64(fields.count)))
                return .object(fields)
            }
        case 4: // add a (maybe duplicate) key somewhere
            let node = Int.random(in: 0..<tree.size, using: &random)
            let key = keys[Int.random(in: 0..<keys.count, using: &random)]
            let value = randomValue(using: &random)
            return tree.transformingNode(node) { node in
                guard case .object(let fields) = node else { return node }
                return .object(fields + [(key, value)])
            }
        case 5: // wrap a node in an array or an object
            let node = Int.random(in: 0..<tree.size, using: &random)
            let inArray = Bool.random(using: &random)
            return tree.transformingNode(node) { inArray ? .array([$0]) : .object([("room_id", $0)]) }
        default: // a service id of any shape
            let path = Bool.random(using: &random) ? ["latest_service", "id"] : ["service", "id"]
            return tree.setting(path, to: randomValue(using: &random))
        }
    }

    /// Replaces or adds a top-level field other than `kept` with any valid JSON value (and for the resolve
    /// webhook, sets `service.id` to one too), so the body stays valid JSON with the room id untouched.
    static func mutateOtherFields(_ tree: FuzzJSON, keeping kept: String, using random: inout SplitMix64) -> FuzzJSON {
        guard case .object(var fields) = tree else { return tree }
        let value = randomValue(valid: true, using: &random)
        let others = fields.indices.filter { fields[$0].0 != kept }
        if others.isEmpty || Bool.random(using: &random) {
            fields.append((otherKeys[Int.random(in: 0..<otherKeys.count, using: &random)], value))
        } else {
            fields[others[Int.random(in: 0..<others.count, using: &random)]].1 = value
        }
        let tree = FuzzJSON.object(fields)
        guard kept == "service", Bool.random(using: &random) else { return tree }
        return tree.setting(["service", "id"], to: randomValue(valid: true, using: &random))
    }

    /// One byte-level mutation: flip, insert, delete, truncate or duplicate.
    static func mutateBytes(_ bytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &random)] }
        var copy = bytes
        let at = Int.random(in: 0..<copy.count, using: &random)
        switch Int.random(in: 0..<5, using: &random) {
        case 0: copy[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1: copy.insert(Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random)
                                : jsonBytes[Int.random(in: 0..<jsonBytes.count, using: &random)], at: at)
        case 2: copy.removeSubrange(at..<min(copy.count, at + Int.random(in: 1...16, using: &random)))
        case 3: copy.removeSubrange(at...)
        default: copy.insert(contentsOf: copy[at..<min(copy.count, at + Int.random(in: 1...32, using: &random))], at: at)
        }
        return copy
    }

    /// 1-32 ASCII digits, leading zeros included now and then.
    static func validRoomID(using random: inout SplitMix64) -> String {
        let length = Int.random(in: 1...32, using: &random)
        return String((0..<length).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
    }

    /// The digits as JSON string content, some of them as `\u003N` escapes.
    static func escapedDigits(_ digits: String, using random: inout SplitMix64) -> String {
        let escapeSome = Int.random(in: 0..<4, using: &random) == 0
        return digits.map { digit in
            escapeSome && Bool.random(using: &random) ? "\\u003\(digit)" : String(digit)
        }.joined()
    }

    /// The properties a body breaks when decoded by either webhook decoder (empty when it holds them all).
    static func violations(of body: [UInt8]) -> [String] {
        var problems: [String] = []
        let data = Data(body)
        if let webhook = try? JSONDecoder().decode(AllocationWebhook.self, from: data) {
            if !isRoomID(webhook.roomID) { problems.append("allocation roomID \(webhook.roomID.debugDescription)") }
            let key = webhook.sessionKey
            if key != "0" && !isPositiveDecimal(key) { problems.append("sessionKey \(key.debugDescription)") }
        }
        if let webhook = try? JSONDecoder().decode(ResolveWebhook.self, from: data) {
            if !isRoomID(webhook.roomID) { problems.append("resolve roomID \(webhook.roomID.debugDescription)") }
            if let floor = webhook.sessionFloor, !isPositiveDecimal(floor) {
                problems.append("sessionFloor \(floor.debugDescription)")
            }
        }
        return problems
    }

    /// Whether either decoder accepts the body.
    static func decodes(_ body: [UInt8]) -> Bool {
        (try? JSONDecoder().decode(AllocationWebhook.self, from: Data(body))) != nil
            || (try? JSONDecoder().decode(ResolveWebhook.self, from: Data(body))) != nil
    }

    static func isRoomID(_ text: String) -> Bool {
        (1...32).contains(text.utf8.count) && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// A positive decimal without leading zeros, at most 19 digits.
    static func isPositiveDecimal(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (1...19).contains(bytes.count) && bytes.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && bytes[0] != 0x30
    }
}
