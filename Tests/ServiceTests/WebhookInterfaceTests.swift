import Foundation
import HTTPClient
import Redis
import Testing
import TestSupport

/// The HTTP interface of `allocator serve` (docs/interface.md), against real processes: redis-server,
/// `allocator simulate` and one `allocator serve`.
@Suite(.serialized) struct WebhookInterfaceTests {
    static let room = "57491250"

    /// The bytes of `Fixtures/qiscus/<name>.json`.
    static func fixture(_ name: String) throws -> Data {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try Data(contentsOf: directory.appendingPathComponent("qiscus/\(name).json"))
    }

    /// The body as a JSON object (nil when it is not one).
    static func object(_ response: HTTPClientResponse) -> [String: Any]? {
        try? JSONSerialization.jsonObject(with: response.body) as? [String: Any]
    }

    /// The body as a flat JSON object of strings, e.g. `["status": "queued", "room_id": "1"]`.
    static func strings(_ response: HTTPClientResponse) -> [String: String]? {
        object(response).map { $0.compactMapValues { $0 as? String } }
    }


    /// Sends any body with any method.
    static func send(_ url: String, method: String = "POST", body: HTTPClientRequest.Body = .none,
                     headers: [(String, String)] = []) throws -> HTTPClientResponse {
        try HTTPClient().perform(HTTPClientRequest(method: method, url: url, headers: headers, body: body))
    }

    /// Requires a JSON error response `{"error": code, "message": ...}` with `status`.
    static func expectError(_ response: HTTPClientResponse, _ status: Int, _ code: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        let body = strings(response)
        #expect(body?["error"] == code, "\(response.text)", sourceLocation: sourceLocation)
        #expect(body?["message"]?.isEmpty == false, "a human message: \(response.text)", sourceLocation: sourceLocation)
        #expect(body?.count == 2, "exactly error and message: \(response.text)", sourceLocation: sourceLocation)
    }

    // MARK: - Webhooks

    @Test func allocateIsQueuedThenDuplicateThenAssignedAndResolveReleases() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let allocate = base + "/webhooks/allocate", resolve = base + "/webhooks/resolve"
            let newSession = try Self.fixture("caa-webhook-new")

            let first = try harness.post(allocate, json: newSession)
            #expect(first.status == 200)
            #expect(first.header("Content-Type")?.hasPrefix("application/json") == true)
            #expect(Self.strings(first) == ["status": "queued", "room_id": Self.room])

            let again = try harness.post(allocate, json: newSession)
            #expect(again.status == 200)
            #expect(["duplicate", "assigned"].contains(Self.strings(again)?["status"] ?? ""), "\(again.text)")
            #expect(Self.strings(again)?["room_id"] == Self.room)

            // Once a worker assigned the room, the same webhook says so.
            let assigned = try eventually(within: 10) {
                Self.strings(try harness.post(allocate, json: newSession))?["status"] == "assigned"
            }
            #expect(assigned, "the room is assigned within seconds")
            let report = try harness.simulatorReport()
            #expect(report.assigns.filter { $0.room == Self.room }.count == 1, "one assign call for the room")
            let agent = try #require(report.rooms[Self.room])

            // Our records: the agent holds one room.
            let status = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
            // (Seen once under the whole suite's load: load 2 and a room in flight. The instance's log says why.)
            #expect(status.agents.first { $0.id == agent }?.load == 1, "\(status.agents)\n\(harness.log("instance-0").suffix(4000))")
            #expect(status.queue_length == 0 && status.in_flight == 0)

            // The resolve webhook (resolved by an admin) frees the agent WE assigned.
            let released = try harness.post(resolve, json: Self.fixture("resolve-webhook"))
            #expect(released.status == 200)
            #expect(Self.strings(released) == ["status": "released", "room_id": Self.room])
            let after = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
            #expect(after.agents.first { $0.id == agent }.map(\.load) ?? 0 == 0, "\(after.agents)")

            // A second resolve, and one for a room never seen, change nothing.
            #expect(Self.strings(try harness.post(resolve, json: Self.fixture("resolve-webhook")))?["status"] == "unknown")
            let unknownBody = Data(#"{"service":{"id":5,"room_id":"999000111","is_resolved":true}}"#.utf8)
            let unknown = try harness.post(resolve, json: unknownBody)
            #expect(unknown.status == 200)
            #expect(Self.strings(unknown) == ["status": "unknown", "room_id": "999000111"])

            // A late webhook of the resolved session is not queued again; the returning customer's is.
            let late = try harness.post(allocate, json: newSession)
            #expect(Self.strings(late)?["status"] == "duplicate", "\(late.text)")
            let returning = try harness.post(allocate, json: Self.fixture("caa-webhook-returning"))
            #expect(Self.strings(returning)?["status"] == "queued", "\(returning.text)")
            #expect(try eventually(within: 10) {
                Self.strings(try harness.post(allocate, json: Self.fixture("caa-webhook-returning")))?["status"] == "assigned"
            }, "the returning customer's session is assigned too")

            // Metrics count webhooks and allocations.
            let metrics = try harness.get(base + "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("Content-Type")?.hasPrefix("text/plain") == true)
            #expect(metrics.text.contains("caa_webhooks_total"), "\(metrics.text.prefix(500))")
            #expect(metrics.text.contains("caa_allocations_total"), "\(metrics.text.prefix(500))")
        }
    }

    @Test func resolveOfAWaitingRoomDequeuesIt() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 1)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            // The only agent is offline: the room waits.
            _ = try harness.post(harness.simulatorURL + "/sim/agents", json: Data(#"[{"id":150001,"is_available":false}]"#.utf8))
            let queued = try harness.post(base + "/webhooks/allocate", json: Self.fixture("caa-webhook-new"))
            #expect(Self.strings(queued) == ["status": "queued", "room_id": Self.room])
            Thread.sleep(forTimeInterval: 0.3)
            let waiting = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
            #expect(waiting.queue_length + waiting.in_flight == 1, "the room waits for an agent")

            let resolved = try harness.post(base + "/webhooks/resolve", json: Self.fixture("resolve-webhook"))
            #expect(resolved.status == 200)
            #expect(Self.strings(resolved) == ["status": "dequeued", "room_id": Self.room])
            let gone = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
            #expect(gone.queue_length == 0 && gone.in_flight == 0)

            // The agent comes back: nothing is assigned for the resolved room.
            _ = try harness.post(harness.simulatorURL + "/sim/agents", json: Data(#"[{"id":150001,"is_available":true}]"#.utf8))
            Thread.sleep(forTimeInterval: 0.3)
            #expect(try harness.simulatorReport().assigns.isEmpty)
        }
    }

    // MARK: - Errors

    @Test func badRequestsGetJSONErrors() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 1)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            for path in ["/webhooks/allocate", "/webhooks/resolve"] {
                let url = base + path
                Self.expectError(try Self.send(url, body: .raw(Data("{not json".utf8), contentType: "application/json")),
                                 400, "invalid_json")
                Self.expectError(try Self.send(url, body: .raw(Data(), contentType: "application/json")), 400, "invalid_json")
                Self.expectError(try Self.send(url, body: .raw(Data("room_id=1".utf8), contentType: "text/plain")),
                                 400, "invalid_json")
            }
            let allocate = base + "/webhooks/allocate", resolve = base + "/webhooks/resolve"
            Self.expectError(try harness.post(allocate, json: Data(#"{"app_id":"a","latest_service":null}"#.utf8)),
                             400, "invalid_room_id")
            Self.expectError(try harness.post(allocate, json: Data(#"{"room_id":57491250}"#.utf8)), 400, "invalid_room_id")
            Self.expectError(try harness.post(allocate, json: Data(#"{"room_id":"1\r\nFLUSHALL"}"#.utf8)), 400,
                             "invalid_room_id")
            Self.expectError(try harness.post(resolve, json: Data(#"{"service":{"id":1,"room_id":12}}"#.utf8)), 400,
                             "invalid_room_id")
            let noService = try harness.post(resolve, json: Data(#"{"customer":{}}"#.utf8))
            #expect(noService.status == 400, "\(noService.text)")
            #expect(Self.strings(noService)?["error"] != nil)

            Self.expectError(try harness.get(base + "/webhooks/nope"), 404, "not_found")
            Self.expectError(try harness.get(base + "/"), 404, "not_found")
            let wrongMethod = try harness.get(allocate)
            Self.expectError(wrongMethod, 405, "method_not_allowed")
            #expect(wrongMethod.header("Allow") == "POST")
            Self.expectError(try Self.send(resolve, method: "PUT", body: .json(Self.fixture("resolve-webhook"))), 405,
                             "method_not_allowed")

            // 64 KiB is the limit: one byte more is refused, exactly 64 KiB is fine.
            let limit = 64 * 1024
            Self.expectError(try Self.send(allocate, body: .raw(Data(repeating: UInt8(ascii: " "), count: limit + 1),
                                                                  contentType: "application/json")),
                             413, "payload_too_large")
            var padded = Data(#"{"room_id":"4242"}"#.utf8)
            padded.append(Data(repeating: UInt8(ascii: " "), count: limit - padded.count))
            let atLimit = try Self.send(allocate, body: .raw(padded, contentType: "application/json"))
            #expect(atLimit.status == 200, "\(atLimit.text)")
            #expect(Self.strings(atLimit)?["room_id"] == "4242")

            // Nothing refused was stored.
            let status = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
            #expect(status.queue_length + status.in_flight <= 1)
            #expect(try eventually(within: 5) { try harness.simulatorReport().assigns.map(\.room) == ["4242"] },
                    "only the accepted room is ever assigned")
        }
    }

    /// Bodies that Foundation's JSON parser tolerates but RFC 8259 does not (trailing commas, comments, NaN, a
    /// repeated key) are 400 `invalid_json` on both webhooks, saying where, and store nothing.
    @Test func lenientJSONIsRefusedAndStoresNothing() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 1)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let redis = harness.redis.connect()
            func keys() throws -> [String] { try redis.execute(["KEYS", "*"]).array?.compactMap(\.string).sorted() ?? [] }
            #expect(try keys().isEmpty, "Redis is empty before the webhooks")

            var fixture = String(decoding: try Self.fixture("caa-webhook-new"), as: UTF8.self)
            let last = try #require(fixture.range(of: "\n}", options: .backwards))
            fixture.replaceSubrange(last, with: ",\n}")
            let allocate = [
                fixture, // the real webhook with a trailing comma
                #"{"room_id":"57491250",}"#,
                #"{"room_id":"57491250","x":[1,]}"#,
                #"{"room_id":"57491250","latest_service":null /* first session */}"#,
                #"// first session\#n{"room_id":"57491250"}"#,
                #"{"room_id":"57491250","is_new_session":true,"latest_service":{"id":NaN}}"#,
                #"{"room_id":"57491250","room_id":"57491250"}"#,
                #"{"room_id":"57491250","room_id":"57491251"}"#,
                #"{"room_id":"1\r\nFLUSHALL","room\u005fid":"57491250"}"#,
            ]
            let resolve = [
                #"{"service":{"id":88123401,"room_id":"57491250",}}"#,
                #"/* resolved */{"service":{"id":88123401,"room_id":"57491250"}}"#,
                #"{"service":{"id":NaN,"room_id":"57491250"}}"#,
                #"{"service":{"id":88123401,"room_id":"57491250","room_id":"1"}}"#,
                #"{"service":{"id":1,"room_id":"1"},"service":{"id":88123401,"room_id":"57491250"}}"#,
            ]
            for (path, bodies) in [("/webhooks/allocate", allocate), ("/webhooks/resolve", resolve)] {
                for body in bodies {
                    let response = try harness.post(base + path, json: Data(body.utf8))
                    Self.expectError(response, 400, "invalid_json")
                    #expect(Self.strings(response)?["message"]?.contains(" at byte ") == true, "says where: \(response.text)")
                    let stored = try keys()
                    #expect(stored.isEmpty, "\(path) \(body.prefix(80).debugDescription) stored \(stored)")
                }
            }
            #expect(try harness.simulatorReport().assigns.isEmpty, "no room was assigned")

            // The strict form of the same webhook is queued (so the empty Redis above means something).
            let accepted = try harness.post(base + "/webhooks/allocate", json: Data(#"{"room_id":"57491250"}"#.utf8))
            #expect(Self.strings(accepted) == ["status": "queued", "room_id": Self.room], "\(accepted.text)")
            #expect(try !keys().isEmpty)
        }
    }

    @Test func webhookSecretIsRequiredAndNeverShown() async throws {
        try await onThread {
            let secret = "whs-\(UUID().uuidString)"
            let harness = try ServiceHarness(instances: 1, agents: 2,
                                             environment: ["WEBHOOK_SECRET": secret, "LOG_LEVEL": "trace"])
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let body = try Self.fixture("caa-webhook-new")
            var bodies: [String] = []

            let missing = try harness.post(base + "/webhooks/allocate", json: body)
            Self.expectError(missing, 401, "unauthorized")
            let wrong = try harness.post(base + "/webhooks/allocate?secret=whs-\(UUID().uuidString)", json: body)
            Self.expectError(wrong, 401, "unauthorized")
            let prefix = try harness.post(base + "/webhooks/allocate?secret=\(secret.dropLast())", json: body)
            Self.expectError(prefix, 401, "unauthorized")
            let wrongHeader = try Self.send(base + "/webhooks/resolve", body: .json(Self.fixture("resolve-webhook")),
                                            headers: [("X-Webhook-Secret", secret + "x")])
            Self.expectError(wrongHeader, 401, "unauthorized")
            #expect(try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body).queue_length == 0,
                    "a refused webhook stores nothing")

            let query = try harness.post(base + "/webhooks/allocate?secret=\(secret)", json: body)
            #expect(query.status == 200, "\(query.text)")
            #expect(Self.strings(query) == ["status": "queued", "room_id": Self.room])
            let header = try Self.send(base + "/webhooks/allocate", body: .json(body), headers: [("X-Webhook-Secret", secret)])
            #expect(header.status == 200, "\(header.text)")
            #expect(["duplicate", "assigned"].contains(Self.strings(header)?["status"] ?? ""))
            #expect(try eventually(within: 10) { try harness.simulatorReport().rooms[Self.room] != nil })
            let resolved = try Self.send(base + "/webhooks/resolve", body: .json(Self.fixture("resolve-webhook")),
                                         headers: [("X-Webhook-Secret", secret)])
            #expect(resolved.status == 200, "\(resolved.text)")

            // Status pages need no secret and never show it.
            for path in ["/healthz", "/readyz", "/v1/status", "/metrics"] {
                let response = try harness.get(base + path)
                #expect(response.status == 200, "\(path)")
                bodies.append(response.text)
            }
            bodies += [missing, wrong, prefix, wrongHeader, query, header, resolved].map(\.text)
            for text in bodies { #expect(!text.contains(secret), "a response shows the secret: \(text.prefix(300))") }
            let log = harness.log("instance-0")
            #expect(!log.isEmpty && log.contains("allocator serving"), "the instance logged: \(log.prefix(300))")
            #expect(!log.contains(secret), "the secret is in the log")
            #expect(!log.contains("sim-secret"), "the Qiscus secret key is in the log")
        }
    }

    // MARK: - Status pages

    @Test func healthReadinessStatusAndMetrics() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]

            let health = try harness.get(base + "/healthz")
            #expect(health.status == 200)
            #expect(Self.strings(health)?["status"] == "ok")
            let ready = try harness.get(base + "/readyz")
            #expect(ready.status == 200)
            #expect(Self.strings(ready)?["status"] == "ready")

            let empty = try harness.get(base + "/v1/status")
            #expect(empty.status == 200)
            let fields = try #require(Self.object(empty))
            for key in ["queue_length", "in_flight", "agents"] { #expect(fields[key] != nil, "\(key) in \(empty.text)") }
            let emptyStatus = try JSONDecoder().decode(StatusBody.self, from: empty.body)
            #expect(emptyStatus.queue_length == 0 && emptyStatus.in_flight == 0 && emptyStatus.agents.isEmpty)

            for room in ["101", "102", "103"] {
                #expect(try harness.post(base + "/webhooks/allocate", json: harness.customerMessage(room: room)).status == 200)
            }
            #expect(try eventually(within: 10) { try harness.simulatorReport().assigns.count == 3 })
            var busy = emptyStatus
            #expect(try eventually(within: 5) {
                busy = try JSONDecoder().decode(StatusBody.self, from: harness.get(base + "/v1/status").body)
                return busy.agents.map(\.load).reduce(0, +) == 3
            }, "three rooms held: \(busy.agents)")
            let truth = try harness.simulatorReport().loads
            #expect(Dictionary(uniqueKeysWithValues: busy.agents.map { (String($0.id), $0.load) }) == truth,
                    "loads per agent equal the simulator's")
            #expect(busy.agents.allSatisfy { $0.load <= 2 })

            let metrics = try harness.get(base + "/metrics")
            #expect(metrics.status == 200)
            let text = metrics.text
            #expect(text.contains("caa_webhooks_total"))
            #expect(text.contains(#"endpoint="allocate""#))
            #expect(text.contains("caa_allocations_total"))
            #expect(text.contains("# TYPE caa_webhooks_total counter"), "Prometheus text format")
        }
    }

    @Test func redisOutageIsA503AndNotReady() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            #expect(try harness.post(base + "/webhooks/allocate", json: harness.customerMessage(room: "77")).status == 200)

            harness.redis.stop(kill: true, keepData: true)
            let started = Date()
            let refused = try harness.post(base + "/webhooks/allocate", json: Self.fixture("caa-webhook-new"))
            Self.expectError(refused, 503, "redis_unavailable")
            Self.expectError(try harness.post(base + "/webhooks/resolve", json: Self.fixture("resolve-webhook")), 503,
                             "redis_unavailable")
            let ready = try harness.get(base + "/readyz")
            #expect(ready.status == 503)
            #expect(Self.strings(ready)?["error"] != nil)
            #expect(try harness.get(base + "/v1/status").status == 503)
            #expect(Date().timeIntervalSince(started) < 10, "an outage is refused promptly")
            #expect(try harness.get(base + "/healthz").status == 200, "the process itself is alive")

            // Redis comes back on the same port (empty: no persistence in tests): the service recovers by itself,
            // reloading its scripts.
            let restarted = try RedisServerProcess(port: harness.redis.port)
            defer { restarted.stop() }
            #expect(try eventually(within: 10) { try harness.get(base + "/readyz").status == 200 }, "ready again")
            let accepted = try harness.post(base + "/webhooks/allocate", json: Self.fixture("caa-webhook-new"))
            #expect(accepted.status == 200, "\(accepted.text)")
            #expect(Self.strings(accepted)?["status"] == "queued")
            #expect(try eventually(within: 10) { try harness.simulatorReport().rooms[Self.room] != nil },
                    "the workers allocate again after the outage")
        }
    }
}
