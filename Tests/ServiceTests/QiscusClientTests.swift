import Foundation
import HTTPClient
import HTTPServer
import Qiscus
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

/// `QiscusClient` against the in-process simulator (one simulator and server per test, on a free port).
@Suite struct QiscusClientTests {
    /// A running simulator with `agents` agents (ids 150001...), stopped by `stop()`.
    final class Fixture: Sendable {
        let simulator: QiscusSimulator
        let server: HTTPServer
        let baseURL: String
        /// The HTTP clients of the Qiscus clients made, running until the fixture goes.
        let clients = Mutex<[Running<HTTPMultiClient>]>([])

        init(agents: Int, configuration: SimulatorConfiguration = SimulatorConfiguration()) throws {
            simulator = QiscusSimulator(configuration: configuration, agents: agents)
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), router: simulator.router)
            try server.start()
            baseURL = "http://127.0.0.1:\(server.port)"
        }

        func stop() { server.stop() }

        func client(secretKey: String = "sim-secret", timeout: Double = 2, pageSize: Int = 100,
                    maxPages: Int = 5) -> QiscusClient {
            QiscusClientTests.client(.init(baseURL: baseURL + "/", appID: "sim-app", secretKey: secretKey,
                                           timeout: timeout, pageSize: pageSize, maxPages: maxPages), keptIn: clients)
        }

        /// POSTs a control request (`/sim/agents`, `/sim/faults`) and requires a 200.
        func control(_ path: String, _ json: String) throws {
            let response = try HTTPClient().perform(HTTPClientRequest(method: "POST", url: baseURL + path,
                                                                      body: .json(Data(json.utf8))))
            try #require(response.status == 200, "\(path): \(response.status) \(response.text)")
        }
    }

    /// A Qiscus client whose HTTP client runs as long as `kept` holds it.
    static func client(_ configuration: QiscusClient.Configuration, keptIn kept: borrowing Mutex<[Running<HTTPMultiClient>]>) -> QiscusClient {
        let http = Running(QiscusClient.makeHTTPClient(for: configuration))
        kept.withLock { $0.append(http) }
        return QiscusClient(configuration: configuration, http: http.service)
    }

    /// The error `body` throws, as a `QiscusError`.
    static func failure<T>(_ body: () async throws -> T) async -> QiscusError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? QiscusError
        }
    }

    // MARK: - Available agents

    @Test func agentNamesWithQuotesAndControlCharactersSurviveTheListing() async throws {
        let fixture = try Fixture(agents: 1)
        defer { inBackground { fixture.stop() } }
        let name = "Ann \"Q\" O'Neil \\ tab\t nl\n bell\u{07} 日本"
        let encoded = String(decoding: try JSONEncoder().encode([["id": "150001", "name": name]]), as: UTF8.self)
            .replacingOccurrences(of: "\"150001\"", with: "150001")
        try fixture.control("/sim/agents", encoded)

        let agents = try await fixture.client().listedAgents(room: "1")
        #expect(agents.map(\.name) == [name])
    }

    @Test func onlineAgentsFollowsTheCursorAndDropsOfflineAgents() async throws {
        let fixture = try Fixture(agents: 8)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", #"[{"id":150002,"is_available":false},{"id":150005,"force_offline":true},"#
                            + #"{"id":150008,"is_available":false,"force_offline":true}]"#)

        let agents = try await fixture.client(pageSize: 3).onlineAgents(room: "1001")
        #expect(agents.map(\.id) == [150_001, 150_003, 150_004, 150_006, 150_007],
                "online agents of all three pages, in listing order")
        #expect(agents.allSatisfy { $0.isOnline })
        #expect(fixture.simulator.report().apiCalls == 3, "8 agents in pages of 3: three calls, then meta.after is null")
    }

    @Test func aListingOfMorePagesThanMaxPagesIsAnErrorNotAShortList() async throws {
        let fixture = try Fixture(agents: 8)
        defer { inBackground { fixture.stop() } }
        let error = await Self.failure { try await fixture.client(pageSize: 3, maxPages: 2).onlineAgents(room: "1001") }
        guard case .invalidResponse(let message) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("more than 2 pages"))
        #expect(fixture.simulator.report().apiCalls == 2, "no third page is asked for")
    }

    @Test func onlineAgentsOfASinglePageMakesOneCall() async throws {
        let fixture = try Fixture(agents: 8)
        defer { inBackground { fixture.stop() } }
        let agents = try await fixture.client(pageSize: 8).onlineAgents(room: "1001")
        #expect(agents.count == 8)
        #expect(fixture.simulator.report().apiCalls == 1)
    }

    @Test func onlineAgentsReportsTheLoadOfEachAgent() async throws {
        let fixture = try Fixture(agents: 3)
        defer { inBackground { fixture.stop() } }
        let client = fixture.client()
        #expect(try await client.assign(room: "11", agent: 150_002) == .assigned)
        #expect(try await client.assign(room: "12", agent: 150_002) == .assigned)
        let loads = try await client.onlineAgents(room: "13").map { [$0.id, $0.currentCustomerCount] }
        #expect(loads == [[150_001, 0], [150_002, 2], [150_003, 0]])
    }

    // MARK: - Assign

    @Test func assignThenASecondAgentOnTheSameRoomIsAlreadyAssigned() async throws {
        let fixture = try Fixture(agents: 2)
        defer { inBackground { fixture.stop() } }
        let client = fixture.client()
        #expect(try await client.assign(room: "57491250", agent: 150_001) == .assigned)
        #expect(try await client.assign(room: "57491250", agent: 150_002) == .alreadyAssigned,
                "max_agent=1: Qiscus's \"exceed max agents\" means the room has its agent")
        let report = fixture.simulator.report()
        #expect(report.rooms["57491250"] == 150_001, "the first agent keeps the room")
        #expect(report.assigns.count == 1)
        #expect(report.conflicts == 1)
    }

    @Test func assignOfAnUnknownAgentIsRejectedAndNotRetryable() async throws {
        let fixture = try Fixture(agents: 1)
        defer { inBackground { fixture.stop() } }
        let error = await Self.failure { try await fixture.client().assign(room: "5", agent: 999) }
        guard case .rejected(let status, let message)? = error else {
            Issue.record("expected .rejected, got \(String(describing: error))")
            return
        }
        #expect(status == 400)
        #expect(message.contains("Agent not found"))
        #expect(error?.isRetryable == false)
    }

    // MARK: - Failures

    @Test func wrongSecretIsUnauthorizedAndNotRetryable() async throws {
        let fixture = try Fixture(agents: 2)
        defer { inBackground { fixture.stop() } }
        let client = fixture.client(secretKey: "not-the-secret")
        let listing = await Self.failure { try await client.onlineAgents(room: "1") }
        #expect(listing == .unauthorized(status: 401))
        let assigning = await Self.failure { try await client.assign(room: "1", agent: 150_001) }
        #expect(assigning == .unauthorized(status: 401))
        #expect(listing?.isRetryable == false)
        #expect(listing?.description.contains("not-the-secret") == false, "the secret is never in the reason")
        #expect(fixture.simulator.report().assigns.isEmpty)
    }

    @Test func rateLimitIsRetryableWithRetryAfter() async throws {
        let fixture = try Fixture(agents: 2)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/faults", #"{"rate_limit_rate":1.0}"#)
        let client = fixture.client()
        let listing = await Self.failure { try await client.onlineAgents(room: "1") }
        #expect(listing == .rateLimited(retryAfter: 1))
        #expect(listing?.isRetryable == true)
        let assigning = await Self.failure { try await client.assign(room: "1", agent: 150_001) }
        #expect(assigning == .rateLimited(retryAfter: 1))
        #expect(fixture.simulator.report().assigns.isEmpty)
    }

    @Test func serverErrorIsRetryable() async throws {
        let fixture = try Fixture(agents: 2)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/faults", #"{"server_error_rate":1.0}"#)
        let client = fixture.client()
        for error in [await Self.failure { try await client.onlineAgents(room: "1") },
                      await Self.failure { try await client.assign(room: "1", agent: 150_001) }] {
            guard case .server(let status, _)? = error else {
                Issue.record("expected .server, got \(String(describing: error))")
                continue
            }
            #expect(status == 500)
            #expect(error?.isRetryable == true)
        }
    }

    @Test func latencyAboveTheTimeoutIsATimeout() async throws {
        let fixture = try Fixture(agents: 2)
        defer { inBackground { fixture.stop() } }
        let client = fixture.client(timeout: 0.3)
        _ = try await client.onlineAgents(room: "1") // the client runs
        try fixture.control("/sim/faults", #"{"latency_ms":3000}"#)
        let started = Date()
        let error = await Self.failure { try await client.onlineAgents(room: "1") }
        let elapsed = Date().timeIntervalSince(started)
        guard case .timeout? = error else {
            Issue.record("expected .timeout, got \(String(describing: error))")
            return
        }
        #expect(error?.isRetryable == true)
        #expect(elapsed < 1.5, "the client gave up at its timeout, not when the answer came after 3 s (\(elapsed) s)")
    }

    @Test func nothingListeningIsUnreachable() async throws {
        let port = try RedisServerProcess.freePort()
        let kept = Mutex<[Running<HTTPMultiClient>]>([])
        let client = Self.client(.init(baseURL: "http://127.0.0.1:\(port)", appID: "a", secretKey: "s", timeout: 1),
                                 keptIn: kept)
        for error in [await Self.failure { try await client.onlineAgents(room: "1") },
                      await Self.failure { try await client.assign(room: "1", agent: 1) }] {
            guard case .unreachable? = error else {
                Issue.record("expected .unreachable, got \(String(describing: error))")
                continue
            }
            #expect(error?.isRetryable == true)
        }
    }

    /// A scripted API: answers each request with the next response of `answers`, recording the requests.
    final class ScriptedAPI: Sendable {
        final class Script: Sendable {
            let answers: Mutex<[ServerResponse]>
            let requests = Mutex<[ServerRequest]>([])
            init(_ answers: [ServerResponse]) { self.answers = Mutex(answers) }
        }

        let server: HTTPServer
        let script: Script
        let baseURL: String
        let clients = Mutex<[Running<HTTPMultiClient>]>([])
        var requests: [ServerRequest] { script.requests.withLock { $0 } }

        init(_ answers: [ServerResponse]) throws {
            let script = Script(answers)
            self.script = script
            var router = Router()
            let handler: Router.Handler = { request in
                script.requests.withLock { $0.append(request) }
                return script.answers.withLock { $0.isEmpty ? .text("no more answers", status: 599) : $0.removeFirst() }
            }
            router.on("GET", "/api/v2/admin/service/available_agents", handler)
            router.on("POST", "/api/v1/admin/service/assign_agent", handler)
            router.on("POST", "/app-1/bot", handler)
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0), router: router)
            try server.start()
            baseURL = "http://127.0.0.1:\(server.port)"
        }

        func client() -> QiscusClient {
            QiscusClientTests.client(.init(baseURL: baseURL, appID: "app-1", secretKey: "key-1", timeout: 2,
                                           pageSize: 2, maxPages: 3), keptIn: clients)
        }
    }

    @Test func anOversizedAnswerIsARetryableErrorOfThatCall() async throws {
        let api = try ScriptedAPI([.text(String(repeating: " ", count: 5_000) + "{}")])
        defer { inBackground { api.server.stop() } }
        let client = Self.client(.init(baseURL: api.baseURL, appID: "app-1", secretKey: "key-1", timeout: 2,
                                       maxResponseBytes: 1_024), keptIn: api.clients)
        let error = await Self.failure { try await client.onlineAgents(room: "1") }
        #expect(error == .oversized(limit: 1_024))
        #expect(error?.isRetryable == true && error?.kind == "oversized")
    }

    @Test func requestsCarryQiscusHeadersQueryAndForm() async throws {
        let fixturePage = try QiscusPayloadTests.fixture("available-agents")
        let api = try ScriptedAPI([
            ServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: fixturePage),
            .text(#"{"status":200,"data":{"agents":[]},"meta":{"after":"MTUwODUz","per_page":2}}"#),
            ServerResponse(status: 200, body: try QiscusPayloadTests.fixture("assign-agent-ok")),
            ServerResponse(status: 400, body: try QiscusPayloadTests.fixture("assign-agent-exceed")),
        ])
        defer { inBackground { api.server.stop() } }
        let client = api.client()
        let agents = try await client.onlineAgents(room: "57491250")
        #expect(agents.map(\.id) == [150_851], "only Budi of the fixture page is online")
        #expect(try await client.assign(room: "57491250", agent: 150_851) == .assigned)
        #expect(try await client.assign(room: "57491250", agent: 150_852) == .alreadyAssigned)

        let requests = api.requests
        try #require(requests.count == 4, "an empty page ends the listing even with a cursor")
        for request in requests {
            #expect(request.header("Qiscus-App-Id") == "app-1")
            #expect(request.header("Qiscus-Secret-Key") == "key-1")
        }
        #expect(requests[0].query == ["room_id": "57491250", "limit": "2", "is_available_in_room": "true"])
        #expect(requests[1].query["cursor_after"] == "MTUwODUz", "meta.after is passed back as cursor_after")
        let form = Dictionary(uniqueKeysWithValues: String(decoding: requests[2].body, as: UTF8.self)
            .split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                return (parts[0], parts.count > 1 ? parts[1] : "")
            })
        #expect(form == ["room_id": "57491250", "agent_id": "150851", "max_agent": "1"])
        #expect(requests[2].header("Content-Type") == "application/x-www-form-urlencoded")
    }

    @Test func answersAreSortedIntoErrorKinds() async throws {
        let api = try ScriptedAPI([
            .text("<html>oops</html>"),
            .text(#"{"errors":"slow down"}"#, status: 429),
            .text(#"{"errors":"forbidden"}"#, status: 403),
            .text(#"{"errors":"Room is resolved","status":400}"#, status: 400),
            .text("bad gateway", status: 502),
        ])
        defer { inBackground { api.server.stop() } }
        let client = api.client()
        let garbled = await Self.failure { try await client.onlineAgents(room: "1") }
        guard case .invalidResponse? = garbled else {
            Issue.record("expected .invalidResponse, got \(String(describing: garbled))")
            return
        }
        #expect(garbled?.isRetryable == false)
        #expect(await Self.failure { try await client.onlineAgents(room: "1") } == .rateLimited(retryAfter: nil),
                "no Retry-After header: no advice")
        #expect(await Self.failure { try await client.assign(room: "1", agent: 2) } == .unauthorized(status: 403))
        #expect(await Self.failure { try await client.assign(room: "1", agent: 2) }
                == .rejected(status: 400, message: "Room is resolved"), "a resolved room is refused for good")
        #expect(await Self.failure { try await client.assign(room: "1", agent: 2) } == .server(status: 502, body: "bad gateway"))
    }

    @Test func retryableKindsAreTheTransientOnes() {
        let cases: [(QiscusError, Bool)] = [
            (.rateLimited(retryAfter: nil), true), (.server(status: 503, body: ""), true), (.timeout("t"), true),
            (.unreachable("u"), true), (.unauthorized(status: 403), false),
            (.rejected(status: 400, message: "resolved"), false), (.invalidResponse("x"), false),
        ]
        for (error, retryable) in cases {
            #expect(error.isRetryable == retryable, "\(error.kind)")
        }
    }
}
