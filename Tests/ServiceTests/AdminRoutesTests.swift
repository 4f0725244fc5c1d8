import Allocation
@testable import AllocatorService
import Foundation
import HTTPServer
import Logging
import Prometheus
import Qiscus
import Redis
import Routing
import Testing
import TestSupport

/// The admin API, `/v1/status`'s routes and the bearer tokens in process: the router called directly, as
/// libmicrohttpd's threads call it, with a real redis-server behind the store. Agents, loads and queues are
/// made by the scripts the service runs (`remember`, `enqueue`, `claim`, `reserve`, `commit`, `rollback`).
@Suite struct AdminRoutesTests {
    static let token = "admin-token-0123456789"
    static let metricsToken = "metrics-token-9876543210"
    static let authorized = ["authorization": "Bearer \(token)"]

    /// sales (divisions 438, at most 3 rooms), support (division 512, no limit of its own) and the implicit
    /// default (every agent, no limit): `MAX_CUSTOMERS_PER_AGENT` is 2.
    static func routeTable() throws -> RouteTable {
        try RouteTable(routes: [
            Route(name: "sales", match: RouteMatch(channelIDs: [12], sources: ["wa"]), divisionIDs: [438], maxCustomersPerAgent: 3),
            Route(name: "support", match: RouteMatch(channelIDs: [20]), divisionIDs: [512]),
        ])
    }

    struct Fixture {
        let running: Running<RedisClient>
        let store: AllocationStore
        let routes: RouteTable
        let wake: WakeSignal
        let router: Router

        /// - Parameter admin: whether `ADMIN_TOKEN` is set (to ``AdminRoutesTests/token``).
        init(admin: Bool = true, metricsToken: String? = nil) throws {
            running = Running(RedisClient(configuration: try RedisServerProcess.shared.configuration()))
            routes = try AdminRoutesTests.routeTable()
            store = AllocationStore(keys: try Keyspace(prefix: "admin", app: TestKeys.uniqueApp()), redis: running.service,
                                    routes: routes.names)
            wake = WakeSignal(routes: routes.names)
            let logger = Logger(label: "admin")
            let store = store
            let adminRoutes = admin ? AdminRoutes(store: store, routes: routes,
                                                  access: AdminAccess(token: AdminRoutesTests.token, sessionHours: 1),
                                                  globalLimit: 2, logger: logger) : nil
            router = WebhookRoutes(store: store, readiness: Readiness(apps: [store.keys.app]), gate: AllocationGate(), wake: wake,
                                   secret: nil, routes: routes, admin: adminRoutes,
                                   dashboard: adminRoutes.map { DashboardRoutes(admin: $0, store: store, app: "demo", alertWaitSeconds: 60) },
                                   logger: logger).router(metricsToken: metricsToken)
        }

        /// Calls the router from a thread of its own, as libmicrohttpd does (the handlers wait on Redis).
        func call(_ method: String, _ path: String, body: String = "", query: [String: String] = [:],
                  headers: [String: String] = AdminRoutesTests.authorized) async throws -> ServerResponse {
            let request = ServerRequest(method: method, path: path, query: query, headers: headers, body: Data(body.utf8))
            let router = router
            return try await onThread { router.respond(to: request) }
        }

        /// `GET /v1/agents`, decoded.
        func agents() async throws -> [Int: AgentEntry] {
            let response = try await call("GET", "/v1/agents")
            try #require(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
            let agents = try JSONDecoder().decode([String: [AgentEntry]].self, from: response.body)["agents"] ?? []
            #expect(agents.map(\.id) == agents.map(\.id).sorted(), "agents come by id")
            return Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0) })
        }

        /// Queues a room in a route (`enqueue.lua`, as the allocation webhook does).
        func enqueue(_ room: String, route: String) async throws {
            #expect(try await store.run(Enqueue(room: room, session: "0", route: route)).code == .queued)
        }

        /// Queues a room, claims it and reserves an agent for it (the agent's load goes up by one); with
        /// `commit`, the room is assigned (its route's `served` goes up by one). Returns the lease token.
        @discardableResult
        func reserve(_ room: String, route: String, agent: Int, commit: Bool = false) async throws -> String {
            try await enqueue(room, route: route)
            let token = "t-\(room)"
            let claim = try await store.run(Claim(token: token, leaseMilliseconds: 60_000, routes: [route]))
            try #require(claim.room == room)
            let reserved = try await store.run(Reserve(room: room, token: token, limit: 10,
                                                       candidates: [AgentCandidate(id: agent, reportedLoad: 0)]))
            try #require(reserved.agent == agent)
            if commit { try #require(try await store.run(Commit(room: room, token: token, agent: agent, route: route)).code == .committed) }
            return token
        }

        /// Puts a room in the dead list from a route's queue (`rollback.lua`, as after the last failed try).
        func kill(_ room: String, route: String) async throws {
            try await enqueue(room, route: route)
            let token = "t-\(room)"
            try #require(try await store.run(Claim(token: token, leaseMilliseconds: 60_000, routes: [route])).room == room)
            try await store.run(Rollback(room: room, token: token, agent: nil, to: .dead(reason: "test"), route: route))
        }

        /// The rooms of every route's queue, head first, by route.
        func queues() async throws -> [String: [String]] {
            var queues: [String: [String]] = [:]
            for route in routes.names {
                queues[route] = try await store.redis.execute(["ZRANGE", store.keys.queue(route: route), "0", "-1"])
                    .array?.compactMap(\.string) ?? []
            }
            return queues
        }

        /// Every key of the app with its whole content, to show that a refused request stored nothing.
        func dump() async throws -> [String: [String]] {
            let names = try await store.redis.execute(["KEYS", "\(store.keys.prefix):{\(store.keys.app)}:*"])
                .array?.compactMap(\.string) ?? []
            var dump: [String: [String]] = [:]
            for name in names {
                let type = try await store.redis.execute(["TYPE", name]).string ?? ""
                let read: [String] = switch type {
                case "hash": ["HGETALL", name]
                case "zset": ["ZRANGE", name, "0", "-1", "WITHSCORES"]
                case "list": ["LRANGE", name, "0", "-1"]
                case "set": ["SMEMBERS", name]
                default: ["GET", name]
                }
                let reply = try await store.redis.execute(read)
                let values = reply.array?.compactMap(\.string) ?? [reply.string ?? ""]
                dump[name] = type == "set" || type == "hash" ? values.sorted() : values
            }
            return dump
        }

        /// The Redis clock, in ms.
        func redisNow() async throws -> Int {
            let time = try await store.redis.execute(["TIME"]).array?.compactMap { $0.string.flatMap { Int($0) } } ?? []
            return time[0] * 1000 + time[1] / 1000
        }
    }

    static func fields(_ response: ServerResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    static func text(_ response: ServerResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    static let adminCalls: [(method: String, path: String, body: String)] = [
        ("GET", "/v1/agents", ""), ("PUT", "/v1/agents/150001", #"{"max_customers":3}"#), ("GET", "/v1/queue", ""),
        ("POST", "/v1/dead/requeue", "{}"),
    ]

    // MARK: - Tokens

    @Test func everyAdminPathIsA404WhenTheAdminAPIIsOff() async throws {
        let f = try Fixture(admin: false)
        for call in Self.adminCalls {
            for headers in [[:], Self.authorized] {
                let response = try await f.call(call.method, call.path, body: call.body, headers: headers)
                #expect(response.status == 404 && Self.fields(response)["error"] as? String == "not_found",
                        "\(call.method) \(call.path): \(response.status) \(Self.text(response))")
            }
        }
        #expect(try await f.dump().isEmpty, "nothing stored")
        #expect(try await f.call("GET", "/v1/status", headers: [:]).status == 200, "/v1/status is open without ADMIN_TOKEN")
    }

    @Test func everyAdminPathAndTheStatusWantTheBearerToken() async throws {
        let f = try Fixture()
        let refused: [[String: String]] = [
            [:], ["authorization": ""], ["authorization": "Bearer"], ["authorization": "Bearer "],
            ["authorization": "Bearer wrong-token-0123456789"], ["authorization": "Bearer \(Self.token)x"],
            ["authorization": "Bearer \(Self.token.dropLast())"], ["authorization": Self.token],
            ["authorization": "Basic \(Self.token)"], ["x-admin-token": Self.token],
        ]
        for call in Self.adminCalls + [("GET", "/v1/status", "")] {
            for headers in refused {
                let response = try await f.call(call.method, call.path, body: call.body, headers: headers)
                #expect(response.status == 401 && Self.fields(response)["error"] as? String == "unauthorized",
                        "\(call.method) \(call.path) with \(headers): \(response.status)")
                #expect(!Self.text(response).contains(Self.token), "the token is not echoed")
            }
        }
        #expect(try await f.dump().isEmpty, "a refused change stored nothing")
        for call in Self.adminCalls + [("GET", "/v1/status", "")] {
            let response = try await f.call(call.method, call.path, body: call.body)
            #expect(response.status == 200, "\(call.method) \(call.path): \(response.status) \(Self.text(response))")
        }
        let lowercase = try await f.call("GET", "/v1/agents", headers: ["authorization": "bearer \(Self.token)"])
        #expect(lowercase.status == 200, "the scheme is case-insensitive")
    }

    @Test func metricsWantTheMetricsTokenWhenItIsSet() async throws {
        let f = try Fixture(metricsToken: Self.metricsToken)
        for headers in [[:], Self.authorized, ["authorization": "Bearer \(Self.metricsToken)0"]] {
            let response = try await f.call("GET", "/metrics", headers: headers)
            #expect(response.status == 401 && Self.fields(response)["error"] as? String == "unauthorized", "\(headers)")
        }
        let scraped = try await f.call("GET", "/metrics", headers: ["authorization": "Bearer \(Self.metricsToken)"])
        #expect(scraped.status == 200 && scraped.headers.contains { $0.0 == "Content-Type" && $0.1.hasPrefix("text/plain") })
        let open = try Fixture(metricsToken: nil)
        #expect(try await open.call("GET", "/metrics", headers: [:]).status == 200, "/metrics is open without METRICS_TOKEN")
    }

    // MARK: - Agents

    @Test func agentsShowCardsLoadsOverridesLimitsAndLastSeen() async throws {
        let f = try Fixture()
        // 101: in sales' division (limit 3), seen now. 102: in support's (no limit: the global 2), seen ten
        // minutes ago. 103: only a load (a reservation). 104: only an override.
        try await f.store.run(Remember(cards: [
            (101, #"{"divisions":[438],"email":"ana@example.com","name":"Ana"}"#),
            (102, #"{"divisions":[512],"email":"budi@example.com","name":"Budi"}"#),
        ]))
        try await f.store.redis.execute(["HSET", f.store.keys.seen, "102", String(try await f.redisNow() - 600_000)])
        try await f.reserve("5001", route: "default", agent: 103)
        #expect(try await f.call("PUT", "/v1/agents/104", body: #"{"max_customers":7}"#).status == 200)

        let agents = try await f.agents()
        #expect(agents.keys.sorted() == [101, 102, 103, 104])
        let ana = try #require(agents[101])
        #expect(ana.name == "Ana" && ana.email == "ana@example.com" && ana.divisions == [438])
        #expect(ana.online && (ana.lastSeenMillisecondsAgo ?? -1) >= 0 && ana.lastSeenMillisecondsAgo! < 60_000)
        #expect(ana.load == 0 && ana.limit == 3 && ana.limitSource == "route" && ana.limitRoute == "sales" && !ana.paused)
        #expect(ana.routes == ["sales", "default"])
        let budi = try #require(agents[102])
        #expect(!budi.online && (budi.lastSeenMillisecondsAgo ?? 0) >= 600_000)
        #expect(budi.limit == 2 && budi.limitSource == "global" && budi.limitRoute == nil && budi.routes == ["support", "default"])
        let loaded = try #require(agents[103])
        #expect(loaded.load == 1 && loaded.name == nil && loaded.email == nil && !loaded.online && loaded.lastSeenMillisecondsAgo == nil)
        #expect(loaded.limit == 2 && loaded.limitSource == "global" && loaded.routes == ["default"] && loaded.divisions.isEmpty)
        let overridden = try #require(agents[104])
        #expect(overridden.load == 0 && overridden.limit == 7 && overridden.limitSource == "override" && overridden.limitRoute == nil)

        // The JSON's own names; a field without a value is left out.
        let raw = try JSONSerialization.jsonObject(with: try await f.call("GET", "/v1/agents").body) as? [String: Any]
        let listed = try #require(raw?["agents"] as? [[String: Any]])
        try #require(listed.count == 4)
        #expect(Set(listed[0].keys) == ["id", "name", "email", "online", "last_seen_ms_ago", "load", "limit", "limit_source",
                                        "limit_route", "paused", "routes", "divisions"], "\(listed[0].keys.sorted())")
        #expect(Set(listed[2].keys) == ["id", "online", "load", "limit", "limit_source", "paused", "routes", "divisions"],
                "\(listed[2].keys.sorted())")
    }

    @Test func agentsListedByTheServiceShowTheirDivisionsLimitAndRoutes() async throws {
        let f = try Fixture()
        let directory = AgentDirectory(store: f.store, refreshInterval: .zero, logger: Logger(label: "admin"))
        // A by_division listing carries the agent's divisions; an available_agents listing may not.
        await directory.note([Agent(id: 201, name: "Dewi", email: "dewi@example.com", divisions: [Division(id: 438, name: "Sales")])])
        var dewi = try #require(try await f.agents()[201])
        #expect(dewi.name == "Dewi" && dewi.online && dewi.divisions == [438] && dewi.limit == 3 && dewi.limitRoute == "sales")
        await directory.note([Agent(id: 201, name: "Dewi", email: "dewi@example.com")])
        #expect(directory.divisions(of: 201) == [438], "the allocation side keeps the divisions it learnt")
        dewi = try #require(try await f.agents()[201])
        #expect(dewi.divisions == [438] && dewi.routes == ["sales", "default"] && dewi.limit == 3 && dewi.limitRoute == "sales",
                "the admin view shows the limit allocation uses: \(dewi)")
    }

    @Test func anOverrideWinsOverTheRouteLimitAndClearingItBringsTheRouteBack() async throws {
        let f = try Fixture()
        try await f.store.run(Remember(cards: [(101, #"{"divisions":[438],"name":"Ana"}"#)]))
        #expect(try await f.agents()[101]?.limitSource == "route")
        let set = try await f.call("PUT", "/v1/agents/101", body: #"{"max_customers":1}"#)
        let view = try JSONDecoder().decode(AgentEntry.self, from: set.body)
        #expect(set.status == 200 && view.id == 101 && view.limit == 1 && view.limitSource == "override" && view.name == "Ana")
        let cleared = try JSONDecoder().decode(AgentEntry.self, from: try await f.call("PUT", "/v1/agents/101", body: #"{"max_customers":null}"#).body)
        #expect(cleared.limit == 3 && cleared.limitSource == "route" && cleared.limitRoute == "sales")
    }

    @Test func aChangeIsAMergeAndNullClearsTheLimit() async throws {
        let f = try Fixture()
        func stored() async throws -> (limit: String?, paused: String?) {
            (try await f.store.redis.execute(["HGET", f.store.keys.limit, "101"]).string,
             try await f.store.redis.execute(["HGET", f.store.keys.paused, "101"]).string)
        }
        func put(_ body: String) async throws -> AgentEntry {
            let response = try await f.call("PUT", "/v1/agents/101", body: body)
            try #require(response.status == 200, "\(body): \(Self.text(response))")
            return try JSONDecoder().decode(AgentEntry.self, from: response.body)
        }
        var view = try await put(#"{"max_customers":4}"#)
        #expect(view.limit == 4 && view.limitSource == "override" && !view.paused)
        #expect(try await stored() == ("4", nil))
        view = try await put(#"{"paused":true}"#)
        #expect(view.limit == 4 && view.limitSource == "override" && view.paused, "a pause alone keeps the limit")
        #expect(try await stored() == ("4", "1"))
        view = try await put("{}")
        #expect(view.limit == 4 && view.paused, "an empty change changes nothing")
        view = try await put(#"{"max_customers":null}"#)
        #expect(view.limit == 2 && view.limitSource == "global" && view.paused, "null clears the limit and keeps the pause")
        #expect(try await stored() == (nil, "1"))
        view = try await put(#"{"paused":false,"max_customers":10000}"#)
        #expect(view.limit == 10000 && !view.paused)
        #expect(try await stored() == ("10000", nil))
        view = try await put(#"{"max_customers":1}"#)
        #expect(view.limit == 1)
    }

    @Test func aLimitMayBeSetBeforeTheAgentWasEverSeen() async throws {
        let f = try Fixture()
        let response = try await f.call("PUT", "/v1/agents/999", body: #"{"max_customers":5,"paused":true}"#)
        #expect(response.status == 200, "\(Self.text(response))")
        let view = try JSONDecoder().decode(AgentEntry.self, from: response.body)
        #expect(view.id == 999 && view.name == nil && view.load == 0 && view.limit == 5 && view.limitSource == "override"
                    && view.paused && !view.online && view.lastSeenMillisecondsAgo == nil && view.routes == ["default"])
        #expect(try await f.agents()[999] == view, "GET shows the agent as PUT answered")
        // Once a listing shows it, the card joins the override.
        try await f.store.run(Remember(cards: [(999, #"{"divisions":[512],"name":"Citra"}"#)]))
        let seen = try #require(try await f.agents()[999])
        #expect(seen.name == "Citra" && seen.online && seen.limit == 5 && seen.limitSource == "override" && seen.paused)
    }

    @Test(arguments: [
        (#"{"max_customers":0}"#, "max_customers"), (#"{"max_customers":-1}"#, "max_customers"),
        (#"{"max_customers":10001}"#, "max_customers"), (#"{"max_customers":"abc"}"#, "max_customers"),
        (#"{"max_customers":"3"}"#, "max_customers"), (#"{"max_customers":1.5}"#, "max_customers"),
        (#"{"max_customers":true}"#, "max_customers"), (#"{"max_customers":[3]}"#, "max_customers"),
        (#"{"paused":"yes"}"#, "paused"), (#"{"paused":1}"#, "paused"), (#"{"paused":null}"#, "paused"),
        (#"{"max_customers":3,"paused":"yes"}"#, "paused"), (#"{"max_customers":3,"limit":4}"#, "limit"),
        (#"{"paused":true,"max_customer":3}"#, "max_customer"),
    ])
    func aBadFieldIsA400NamingItAndStoresNothing(body: String, field: String) async throws {
        let f = try Fixture()
        #expect(try await f.call("PUT", "/v1/agents/101", body: #"{"max_customers":6}"#).status == 200)
        let before = try await f.dump()
        let response = try await f.call("PUT", "/v1/agents/101", body: body)
        let fields = Self.fields(response)
        #expect(response.status == 400 && fields["error"] as? String == "invalid_field", "\(body): \(Self.text(response))")
        #expect((fields["message"] as? String)?.hasPrefix("\(field) ") == true, "\(body): \(Self.text(response))")
        #expect(try await f.dump() == before, "\(body) stored something")
    }

    @Test(arguments: ["[1]", #""max_customers""#, "3", "null", "", "{", #"{"max_customers":3,}"#, #"{"max_customers":03}"#,
                      #"{"paused":true,"paused":false}"#, "{\"paused\":true} x"])
    func aBodyThatIsNotAJSONObjectIsA400AndStoresNothing(body: String) async throws {
        let f = try Fixture()
        #expect(try await f.call("PUT", "/v1/agents/101", body: #"{"paused":true}"#).status == 200)
        let before = try await f.dump()
        let response = try await f.call("PUT", "/v1/agents/101", body: body)
        #expect(response.status == 400 && Self.fields(response)["error"] as? String == "invalid_json", "\(body): \(Self.text(response))")
        #expect(try await f.dump() == before, "\(body) stored something")
    }

    @Test(arguments: ["abc", "0", "-1", "1.5", "+5", "1e3", "0x1F", "12a", " 7", "1234567890123456789", "٣", "5/6"])
    func aBadAgentIDIsA400AndStoresNothing(id: String) async throws {
        let f = try Fixture()
        let response = try await f.call("PUT", "/v1/agents/\(id)", body: #"{"max_customers":3}"#)
        #expect(response.status == 400 && Self.fields(response)["error"] as? String == "invalid_agent_id", "\(id): \(Self.text(response))")
        #expect(try await f.dump().isEmpty, "\(id) stored something")
    }

    @Test func theLongestAgentIDIsEighteenDigits() async throws {
        let f = try Fixture()
        let response = try await f.call("PUT", "/v1/agents/123456789012345678", body: #"{"max_customers":3}"#)
        #expect(response.status == 200 && (try? JSONDecoder().decode(AgentEntry.self, from: response.body))?.id == 123_456_789_012_345_678)
    }

    // MARK: - Queue

    @Test func theQueueShowsEachRoutesRoomsWithTheirPlaces() async throws {
        let f = try Fixture()
        try await f.enqueue("11", route: "sales")
        try await f.enqueue("21", route: "default")
        try await f.enqueue("12", route: "sales")
        try await f.enqueue("13", route: "sales")
        struct Entry: Decodable, Equatable {
            let position: Int
            let room_id: String
            let route: String
            let waiting_since_ms: Int
            let waited_ms: Int
        }
        func rooms(_ query: [String: String] = [:]) async throws -> [Entry] {
            let response = try await f.call("GET", "/v1/queue", query: query)
            #expect(response.status == 200, "\(query): \(Self.text(response))")
            return try JSONDecoder().decode([String: [Entry]].self, from: response.body)["rooms"] ?? []
        }
        let before = try await f.redisNow()
        let all = try await rooms()
        #expect(all.map { "\($0.route) \($0.position) \($0.room_id)" } == ["sales 1 11", "sales 2 12", "sales 3 13", "default 1 21"],
                "routes in file order, each head first")
        let now = try await f.redisNow()
        // waited = the answer's clock - since, and the answer's clock lies between the readings before and after.
        #expect(all.allSatisfy { $0.waited_ms >= 0 && (before...now).contains($0.waiting_since_ms + $0.waited_ms) },
                "\(all) within \(before)...\(now)")
        #expect(all[0].waiting_since_ms <= all[1].waiting_since_ms && all[1].waiting_since_ms <= all[2].waiting_since_ms)

        #expect(try await rooms(["route": "sales"]).map(\.room_id) == ["11", "12", "13"])
        #expect(try await rooms(["route": "support"]).isEmpty)
        #expect(try await rooms(["route": "default"]).map(\.room_id) == ["21"])
        #expect(try await rooms(["limit": "1"]).map(\.room_id) == ["11", "21"], "the limit is per route")
        #expect(try await rooms(["route": "sales", "limit": "2"]).map(\.room_id) == ["11", "12"])
        #expect(try await rooms(["limit": "1000"]).count == 4)
    }

    @Test(arguments: [
        (["route": "nope"], "invalid_route"), (["route": ""], "invalid_route"), (["route": "Sales"], "invalid_route"),
        (["limit": "0"], "invalid_limit"), (["limit": "1001"], "invalid_limit"), (["limit": "-1"], "invalid_limit"),
        (["limit": "abc"], "invalid_limit"), (["limit": "1.5"], "invalid_limit"), (["limit": ""], "invalid_limit"),
    ])
    func aBadQueueQueryIsA400(query: [String: String], code: String) async throws {
        let f = try Fixture()
        let response = try await f.call("GET", "/v1/queue", query: query)
        #expect(response.status == 400 && Self.fields(response)["error"] as? String == code, "\(query): \(Self.text(response))")
        if code == "invalid_route" {
            #expect((Self.fields(response)["message"] as? String)?.contains("sales, support, default") == true)
        }
    }

    // MARK: - Dead rooms

    @Test func requeueSendsADeadRoomBackToItsRoutesQueue() async throws {
        let f = try Fixture()
        try await f.kill("31", route: "sales")
        try await f.kill("32", route: "default")
        try await f.kill("33", route: "support")
        #expect(try await f.store.deadRooms().count == 3)

        let one = try await f.call("POST", "/v1/dead/requeue", body: #"{"room_id":"31"}"#)
        #expect(one.status == 200 && Self.fields(one)["requeued"] as? Int == 1 && Self.fields(one)["rooms"] as? [String] == ["31"],
                "\(Self.text(one))")
        #expect(try await f.queues() == ["sales": ["31"], "support": [], "default": []])

        let again = try await f.call("POST", "/v1/dead/requeue", body: #"{"room_id":"31"}"#)
        #expect(again.status == 404 && Self.fields(again)["error"] as? String == "not_dead", "a room not dead: \(Self.text(again))")
        let unknown = try await f.call("POST", "/v1/dead/requeue", body: #"{"room_id":"99"}"#)
        #expect(unknown.status == 404 && Self.fields(unknown)["error"] as? String == "not_dead")

        let all = try await f.call("POST", "/v1/dead/requeue", body: "{}")
        #expect(all.status == 200 && Self.fields(all)["requeued"] as? Int == 2
                    && Set(Self.fields(all)["rooms"] as? [String] ?? []) == ["32", "33"], "\(Self.text(all))")
        #expect(try await f.queues() == ["sales": ["31"], "support": ["33"], "default": ["32"]])
        #expect(try await f.store.deadRooms().isEmpty)

        let none = try await f.call("POST", "/v1/dead/requeue")
        #expect(none.status == 200 && Self.fields(none)["requeued"] as? Int == 0, "an empty body is {}: \(Self.text(none))")
    }

    @Test(arguments: [#"{"room_id":"abc"}"#, #"{"room_id":31}"#, #"{"room_id":""}"#, #"{"room_id":"123456789012345678901234567890123"}"#,
                      #"{"room_id":null}"#, #"{"room":"31"}"#, "[]", "{", #"{"room_id":"31","room_id":"32"}"#])
    func aBadRequeueBodyIsA400AndRequeuesNothing(body: String) async throws {
        let f = try Fixture()
        try await f.kill("31", route: "sales")
        let before = try await f.dump()
        let response = try await f.call("POST", "/v1/dead/requeue", body: body)
        let code = Self.fields(response)["error"] as? String
        #expect(response.status == 400 && (code == "invalid_field" || code == "invalid_json"), "\(body): \(Self.text(response))")
        if code == "invalid_field" {
            let field = body.contains(#""room""#) ? "room" : "room_id"
            #expect((Self.fields(response)["message"] as? String)?.hasPrefix("\(field) ") == true, "\(Self.text(response))")
        }
        #expect(try await f.dump() == before, "\(body) changed something")
    }

    // MARK: - Status

    @Test func theStatusHasALineForEveryRoute() async throws {
        let f = try Fixture()
        try await f.reserve("41", route: "sales", agent: 101, commit: true)
        try await f.reserve("42", route: "sales", agent: 101, commit: true)
        try await f.reserve("43", route: "default", agent: 102, commit: true)
        try await f.enqueue("11", route: "sales")
        try await f.enqueue("12", route: "sales")
        try await f.enqueue("21", route: "default")
        f.wake.park("sales")
        try await Task.sleep(for: .milliseconds(60))

        let response = try await f.call("GET", "/v1/status")
        try #require(response.status == 200)
        let raw = try #require(Self.fields(response)["routes"] as? [[String: Any]])
        #expect(raw.map { $0["name"] as? String } == ["sales", "support", "default"], "routes in file order")
        let sales = raw[0], support = raw[1], fallback = raw[2]
        #expect(sales["queue_length"] as? Int == 2 && sales["served"] as? Int == 2 && sales["waiting_for_capacity"] as? Bool == true)
        #expect((sales["oldest_wait_ms"] as? Int ?? -1) >= 50, "the head of sales has waited: \(sales)")
        #expect(support["queue_length"] as? Int == 0 && support["served"] as? Int == 0 && support["waiting_for_capacity"] as? Bool == false)
        #expect(support["oldest_wait_ms"] == nil, "nobody waits in support")
        #expect(fallback["queue_length"] as? Int == 1 && fallback["served"] as? Int == 1 && fallback["waiting_for_capacity"] as? Bool == false)
        #expect((fallback["oldest_wait_ms"] as? Int ?? -1) >= 50)
        #expect(Self.fields(response)["queue_length"] as? Int == 3, "the total over every route")

        // A freed slot (a `c` token) unparks the route.
        f.wake.deliver(.capacity)
        let after = Self.fields(try await f.call("GET", "/v1/status"))["routes"] as? [[String: Any]]
        #expect(after?.first?["waiting_for_capacity"] as? Bool == false)
    }
}
