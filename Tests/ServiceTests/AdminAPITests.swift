import Foundation
import HTTPClient
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

extension RouteProcessTests {
    /// The admin API over HTTP against real instances: a change made through one instance is honoured by every
    /// instance at once, the queue shows each route's places, and bad requests are refused with nothing stored.
    @Suite struct AdminAPITests {
        typealias Origin = ServiceHarness.Origin

        static let routes = """
        routes:
          - name: sales
            match: {channel_ids: [12]}
            division_ids: [438]
            max_customers_per_agent: 3
          - name: support
            match: {sources: [ig]}
            division_ids: [439]
            max_customers_per_agent: 3
        """
        /// A in sales, B in sales and support, C in support; every limit is 3 (B's from sales, first on the tie).
        static let (a, b, c) = (150_001, 150_002, 150_003)
        static let sales = Origin.channel(12, "wa")
        static let support = Origin.source("ig")

        /// Starts the stack: the three agents, two instances with the routes and the admin token.
        static func stack(environment: [String: String] = [:]) throws -> ServiceHarness {
            let harness = try ServiceHarness(instances: 0, agents: 0, environment: environment.merging(["SHUTDOWN_DRAIN_SECONDS": "0"]) { $1 })
            try harness.setAgents([(a, [438]), (b, [438, 439]), (c, [439])])
            let file = try harness.writeRoutes(routes)
            for _ in 0..<2 {
                try harness.startInstance(environment: ["ROUTES_FILE": file, "ADMIN_TOKEN": ServiceHarness.adminToken])
            }
            return harness
        }

        @Test func aLimitAndAPauseSetThroughOneInstanceAreHonouredByBothAtOnce() async throws {
            try await onThread {
                // No nudge during the test: only webhooks, resolves and admin changes wake the workers.
                let harness = try Self.stack(environment: ["SHUTDOWN_DRAIN_SECONDS": "0", "RECONCILE_SECONDS": "60", "QISCUS_COUNT_LAG_SECONDS": "1"])
                defer { harness.stop() }
                let failures = Mutex<[String]>([])
                let stopping = Atomic<Bool>(false)
                let sent = Mutex<[(room: String, route: String)]>([])
                let sender = Thread {
                    let client = HTTPClient()
                    var index = 0
                    while !stopping.load(ordering: .relaxed) {
                        index += 1
                        let room = String(6_300_000 + index)
                        let (origin, route) = index % 2 == 0 ? (Self.sales, "sales") : (Self.support, "support")
                        sent.withLock { $0.append((room, route)) }
                        do {
                            let status = try harness.allocate(room: room, origin: origin, instance: index % 2, client: client)
                            if status != "queued" { failures.withLock { $0.append("allocate \(room): \(status ?? "-")") } }
                        } catch { failures.withLock { $0.append("sender: \(error)") } }
                        Thread.sleep(forTimeInterval: 0.025)
                    }
                }
                let resolver = Thread {
                    let client = HTTPClient()
                    while !stopping.load(ordering: .relaxed) {
                        do {
                            if let room = try harness.simulatorReport(client: client).rooms.keys.randomElement() {
                                try harness.resolve(room: room, instance: Int.random(in: 0...1), client: client)
                            }
                        } catch { failures.withLock { $0.append("resolver: \(error)") } }
                        Thread.sleep(forTimeInterval: 0.04)
                    }
                }
                sender.start()
                resolver.start()
                Thread.sleep(forTimeInterval: 1.5)
                let before = try harness.adminAgents(instance: 1)
                #expect(before[Self.b]?.limit == 3 && before[Self.b]?.limit_source == "route" && before[Self.b]?.limit_route == "sales")
                #expect(before[Self.b]?.routes == ["sales", "support", "default"])
                #expect(try harness.simulatorReport().assigns.contains { $0.agent == Self.c }, "C served before the pause")

                let changedAt = Date().timeIntervalSince1970
                let lowered = try harness.admin("PUT", "/v1/agents/\(Self.b)", body: #"{"max_customers": 1}"#)
                let paused = try harness.admin("PUT", "/v1/agents/\(Self.c)", body: #"{"paused": true}"#)
                #expect(lowered.status == 200 && paused.status == 200, "\(lowered.text) \(paused.text)")
                let loweredView = try JSONDecoder().decode(ServiceHarness.AdminAgent.self, from: lowered.body)
                #expect(loweredView.limit == 1 && loweredView.limit_source == "override" && !loweredView.paused)
                #expect(try JSONDecoder().decode(ServiceHarness.AdminAgent.self, from: paused.body).paused)

                let after = try harness.adminAgents(instance: 1)
                #expect(after[Self.b]?.limit == 1 && after[Self.b]?.limit_source == "override" && after[Self.b]?.limit_route == nil,
                        "instance 2 shows the override: \(String(describing: after[Self.b]))")
                #expect(after[Self.c]?.paused == true && after[Self.c]?.limit == 3 && after[Self.c]?.limit_source == "route")
                #expect(after[Self.a]?.limit == 3 && after[Self.a]?.paused == false)

                Thread.sleep(forTimeInterval: 1)
                let honouredFrom = changedAt + 1
                let logOffsets = (0..<2).map { harness.log("instance-\($0)").utf8.count }
                Thread.sleep(forTimeInterval: 2.5)
                stopping.store(true, ordering: .relaxed)
                while !sender.isFinished || !resolver.isFinished { Thread.sleep(forTimeInterval: 0.01) }

                let report = try harness.simulatorReport()
                let later = report.assigns.filter { $0.at > honouredFrom }
                #expect(later.count >= 10, "rooms kept being served: \(later.count)")
                #expect(!later.contains { $0.agent == Self.c }, "no room goes to paused C")
                #expect(later.filter { $0.agent == Self.b }.allSatisfy { $0.loadAfter <= 1 }, "B takes rooms only under its new limit")
                #expect(report.conflicts == 0 && report.maxLoads.values.allSatisfy { $0 <= 3 })
                for instance in 0..<2 {
                    let lines = (String(harness.log("instance-\(instance)").utf8.dropFirst(logOffsets[instance])) ?? "")
                        .split(separator: "\n").filter { $0.contains("room assigned") }
                    #expect(!lines.isEmpty, "instance \(instance + 1) assigned rooms after the change")
                    #expect(!lines.contains { $0.contains("agent=\(Self.c)") }, "instance \(instance + 1) gave no room to C")
                }

                // Rooms waiting in both routes: each route's queue with its places, in order of arrival.
                for index in 1...6 {
                    let room = String(6_390_000 + index)
                    let (origin, route) = index % 2 == 0 ? (Self.sales, "sales") : (Self.support, "support")
                    sent.withLock { $0.append((room, route)) }
                    #expect(try harness.allocate(room: room, origin: origin, instance: index % 2) == "queued")
                }
                let settled = try eventually(within: 5) {
                    let count = try harness.simulatorReport().assigns.count
                    Thread.sleep(forTimeInterval: 0.3)
                    return try harness.simulatorReport().assigns.count == count && harness.routedStatus(instance: 1).in_flight == 0
                }
                #expect(settled)
                let assigned = Set(try harness.simulatorReport().assigns.map(\.room))
                let waiting = sent.withLock { $0 }.filter { !assigned.contains($0.room) }
                let queue = try JSONDecoder().decode(ServiceHarness.AdminQueue.self,
                                                     from: harness.admin("GET", "/v1/queue", instance: 1).body).rooms
                #expect(!waiting.isEmpty && queue.count == waiting.count, "queue: \(queue.count), waiting: \(waiting.count)")
                for route in ["sales", "support", "default"] {
                    let entries = queue.filter { $0.route == route }
                    #expect(entries.map(\.position) == (0..<entries.count).map { $0 + 1 }, "\(route): places 1, 2, ...")
                    #expect(entries.map(\.room_id) == waiting.filter { $0.route == route }.map(\.room), "\(route) in order of arrival")
                }
                let head = try JSONDecoder().decode(ServiceHarness.AdminQueue.self,
                                                    from: harness.admin("GET", "/v1/queue?route=support&limit=2", instance: 1).body).rooms
                #expect(head.map(\.room_id) == queue.filter { $0.route == "support" }.prefix(2).map(\.room_id))

                // Resumed and back to its route's limit: C takes the waiting support rooms at once.
                let resumedAt = Date()
                #expect(try harness.admin("PUT", "/v1/agents/\(Self.c)", body: #"{"paused": false}"#, instance: 1).status == 200)
                let cleared = try harness.admin("PUT", "/v1/agents/\(Self.b)", body: #"{"max_customers": null}"#, instance: 1)
                #expect(cleared.status == 200)
                let clearedView = try JSONDecoder().decode(ServiceHarness.AdminAgent.self, from: cleared.body)
                #expect(clearedView.limit == 3 && clearedView.limit_source == "route" && clearedView.limit_route == "sales")
                if waiting.contains(where: { $0.route == "support" }) {
                    let resumed = try eventually(within: 5) { try harness.simulatorReport().assigns.contains { $0.agent == Self.c && $0.at > resumedAt.timeIntervalSince1970 } }
                    let took = Date().timeIntervalSince(resumedAt)
                    #expect(resumed && took < 1.5, "resumed C took a waiting room after \(took) s")
                }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
            }
        }

        @Test func badAdminRequestsAreRefusedOverHTTPAndStoreNothing() async throws {
            try await onThread {
                let harness = try ServiceHarness(instances: 0, agents: 0, environment: ["SHUTDOWN_DRAIN_SECONDS": "0"])
                defer { harness.stop() }
                try harness.setAgents([(Self.a, [438])])
                let file = try harness.writeRoutes(Self.routes)
                try harness.startInstance(environment: ["ROUTES_FILE": file, "ADMIN_TOKEN": ServiceHarness.adminToken])
                try harness.startInstance(environment: ["ROUTES_FILE": file]) // the admin API is off here
                #expect(try harness.allocate(room: "6400001", origin: Self.sales) == "queued")
                #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["6400001"] == Self.a })
                let known = try harness.adminAgents()
                #expect(known[Self.a]?.load == 1 && known[Self.a]?.limit == 3)
                let redis = harness.redis.connect()
                defer { redis.disconnect() }
                func stored() throws -> [Int] {
                    try ["limit", "paused"].map { Int(try redis.execute(["HLEN", ServiceHarness.key($0)]).int ?? -1) }
                }

                let change = #"{"max_customers": 1, "paused": true}"#
                let agent = "/v1/agents/\(Self.a)"
                for token in [nil, "", "wrong-token-0000000000", ServiceHarness.adminToken + "x", String(ServiceHarness.adminToken.dropLast())] {
                    #expect(try harness.admin("PUT", agent, body: change, token: token).status == 401, "token \(token ?? "none")")
                    #expect(try harness.admin("GET", "/v1/agents", token: token).status == 401)
                    #expect(try harness.admin("GET", "/v1/queue", token: token).status == 401)
                    #expect(try harness.admin("POST", "/v1/dead/requeue", body: "{}", token: token).status == 401)
                    #expect(try harness.admin("GET", "/v1/status", token: token).status == 401)
                }
                let basic = try HTTPClient().perform(HTTPClientRequest(
                    method: "PUT", url: harness.instanceURLs[0] + agent,
                    headers: [("Authorization", "Basic \(ServiceHarness.adminToken)")], body: .json(Data(change.utf8))))
                #expect(basic.status == 401, "only a bearer token is taken")

                for path in ["/v1/agents", "/v1/queue", "/v1/agents/\(Self.a)", "/v1/dead/requeue"] {
                    let method = path == "/v1/agents/\(Self.a)" ? "PUT" : path.hasSuffix("requeue") ? "POST" : "GET"
                    let response = try harness.admin(method, path, body: method == "GET" ? nil : change, instance: 1)
                    #expect(response.status == 404, "\(method) \(path) without ADMIN_TOKEN: \(response.status)")
                }

                for value in ["0", "-1", "10001", #""abc""#, "1.5", "true", "[]", "{}"] {
                    let response = try harness.admin("PUT", agent, body: #"{"max_customers": \#(value)}"#)
                    #expect(response.status == 400 && response.text.contains("max_customers"), "max_customers \(value): \(response.text)")
                }
                for body in [#"{"paused": "yes"}"#, #"{"paused": 1}"#, #"{"paused": null}"#] {
                    let response = try harness.admin("PUT", agent, body: body)
                    #expect(response.status == 400 && response.text.contains("paused"), "\(body): \(response.text)")
                }
                for (body, field) in [(#"{"limit": 2}"#, "limit"), (#"{"max_customers": 2, "pause": true}"#, "pause"),
                                      (#"{"paused": true, "max_customers": 2, "note": "x"}"#, "note")] {
                    let response = try harness.admin("PUT", agent, body: body)
                    #expect(response.status == 400 && response.text.contains(field), "\(body): \(response.text)")
                }
                for body in [#"{"max_customers": 2,}"#, "[1]", "", "null", #"{"max_customers": 2} x"#,
                             #"{"max_customers": 2, "max_customers": 3}"#] {
                    #expect(try harness.admin("PUT", agent, body: body).status == 400, "body \(body)")
                }
                for id in ["abc", "0", "-1", "1.5", "1e3", "12345678901234567890", "150001x", ""] {
                    let response = try harness.admin("PUT", "/v1/agents/\(id)", body: change)
                    #expect(response.status == 400 || (id.isEmpty && response.status == 404), "agent id \(id): \(response.status)")
                }
                for query in ["limit=0", "limit=1001", "limit=abc", "route=nope", "route=SALES"] {
                    #expect(try harness.admin("GET", "/v1/queue?\(query)").status == 400, "queue \(query)")
                }
                #expect(try harness.admin("POST", "/v1/dead/requeue", body: #"{"room_id": "abc"}"#).status == 400)
                #expect(try harness.admin("POST", "/v1/dead/requeue", body: #"{"room": "1"}"#).status == 400)
                let notDead = try harness.admin("POST", "/v1/dead/requeue", body: #"{"room_id": "123"}"#)
                #expect(notDead.status == 404, "\(notDead.status) \(notDead.text)")

                #expect(try stored() == [0, 0], "no refused request stored a limit or a pause")
                #expect(try harness.adminAgents() == known, "the agents are as before")
                #expect(try harness.adminAgents(instance: 0)[Self.a]?.limit_source == "route")

                // The same change with the token is taken (so the refusals above were about the request).
                let taken = try harness.admin("PUT", agent, body: change)
                #expect(taken.status == 200, "\(taken.text)")
                #expect(try stored() == [1, 1])
                #expect(try redis.execute(["HGET", ServiceHarness.key("limit"), String(Self.a)]).string == "1")
            }
        }
    }
}
