import Foundation
import HTTPClient
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

extension RouteProcessTests {
    /// Two instances, three routes (`sales` by channel, `support` by source, `default`), agents in one division,
    /// in two (shared by both routes) or in none: every session is served once by an agent of its route, no agent
    /// ever holds more than its one limit over every route, and each route is first in, first out.
    @Suite struct RoutedTrafficTests {
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
            max_customers_per_agent: 2
        """
        /// A in sales only, B in sales and support, C in support only, D in no division (default only).
        static let (a, b, c, d) = (150_001, 150_002, 150_003, 150_004)
        /// A: sales' 3; B: the smaller of sales' 3 and support's 2; C: support's 2; D: MAX_CUSTOMERS_PER_AGENT.
        static let limits = [a: 3, b: 2, c: 2, d: 4]
        static let capacity = 11
        static let agentsOf: [String: Set<Int>] = ["sales": [a, b], "support": [b, c], "default": [a, b, c, d]]
        /// Origins and the route each must take: channel 12 is sales whatever the source (sales comes first).
        static let origins: [(origin: Origin, route: String)] = [
            (.channel(12, "wa"), "sales"), (.channel(31, "ig"), "support"), (.source("ig"), "support"),
            (.channel(12, "ig"), "sales"), (.channel(40, "wa"), "default"), (.source("qiscus"), "default"),
        ]

        /// What the test's threads write down.
        final class Record: Sendable {
            /// Room -> the route of each of its sessions, in order.
            let sessions = Mutex<[String: [String]]>([:])
            let failures = Mutex<[String]>([])
        }

        static func routesServed(by agent: Int) -> Set<String> {
            Set(agentsOf.filter { $0.value.contains(agent) }.map(\.key))
        }

        @Test func everySessionIsServedOnceByItsRouteWithinOneLimitPerAgentAndInOrder() async throws {
            try await onThread {
                // No nudge during the test (RECONCILE_SECONDS): only webhooks and resolves wake the workers, so
                // the order phase below is exact.
                let environment = ["SHUTDOWN_DRAIN_SECONDS": "0", "RECONCILE_SECONDS": "60", "MAX_CUSTOMERS_PER_AGENT": "4",
                                   "QISCUS_COUNT_LAG_SECONDS": "5", "WORKER_CONCURRENCY": "4"]
                let harness = try ServiceHarness(instances: 0, agents: 0, simulatorArguments: ["--count-lag-ms", "2000"],
                                                 environment: environment)
                defer { harness.stop() }
                try harness.setAgents([(Self.a, [438]), (Self.b, [438, 439]), (Self.c, [439]), (Self.d, [])])
                let file = try harness.writeRoutes(Self.routes)
                for _ in 0..<2 { try harness.startInstance(environment: ["ROUTES_FILE": file]) }
                let sampler = LoadSampler(harness)
                defer { sampler.stop() }

                let record = Record()
                try Self.churn(harness, record)
                try Self.servedInOrder(harness, record)
                sampler.stop()

                let report = try harness.simulatorReport()
                #expect(record.failures.withLock { $0 }.isEmpty, "\(record.failures.withLock { $0.prefix(5) })")
                #expect(report.conflicts == 0, "no assign call tried to give an assigned room a second agent")
                let perSession = Dictionary(grouping: report.assigns) { "\($0.room)/\($0.service)" }
                #expect(perSession.values.allSatisfy { $0.count == 1 }, "each session is assigned once")
                let expected = record.sessions.withLock { $0 }
                for (room, assigns) in Dictionary(grouping: report.assigns, by: \.room) {
                    let routes = expected[room] ?? []
                    #expect(assigns.count == routes.count, "room \(room): \(assigns.count) assigns for \(routes.count) sessions")
                    for (assign, route) in zip(assigns.sorted { $0.at < $1.at }, routes) {
                        #expect(Self.agentsOf[route, default: []].contains(assign.agent), "room \(room) of \(route) went to \(assign.agent)")
                    }
                }
                #expect(Set(report.assigns.map(\.room)) == Set(expected.keys), "every room was served")
                #expect(expected.values.contains { Set($0).count > 1 }, "a customer came back through another route")
                for assign in report.assigns {
                    #expect(assign.loadAfter <= Self.limits[assign.agent] ?? 0, "agent \(assign.agent) held \(assign.loadAfter) rooms")
                }
                for (agent, load) in report.maxLoads {
                    #expect(load <= Self.limits[Int(agent) ?? 0] ?? 0, "agent \(agent) once held \(load) rooms in Qiscus")
                }
                #expect(report.maxLoads[String(Self.b)] == Self.limits[Self.b], "B, shared by both routes, was filled")
                #expect(sampler.sampleCount > 100)
                for (agent, load) in sampler.maxima {
                    #expect(load <= Self.limits[agent] ?? 0, "agent \(agent) once had \(load) rooms in our books")
                }
            }
        }

        /// Rooms of every origin, each webhook two or three times over both instances, while rooms are resolved at
        /// random moments and some customers come back (a new session, sometimes from another route). Returns once
        /// every session so far was served and every agent is full of rooms nobody waits behind.
        static func churn(_ harness: ServiceHarness, _ record: Record) throws {
            let rooms = (0..<60).map { (room: String(6_100_001 + $0), origin: origins[$0 % origins.count]) }
            record.sessions.withLock { sessions in for room in rooms { sessions[room.room] = [room.origin.route] } }
            let stopResolving = Atomic<Bool>(false)
            let returning = Atomic<Int>(0)
            let resolver = Thread {
                let client = HTTPClient()
                while !stopResolving.load(ordering: .relaxed) {
                    do {
                        for room in try harness.simulatorReport(client: client).rooms.keys.shuffled().prefix(2) {
                            _ = try harness.resolve(room: room, instance: Int.random(in: 0...1), client: client)
                            // A customer writing again after the resolve: a new session, here from the next origin.
                            let again = record.sessions.withLock { $0[room]?.count == 1 } && returning.load(ordering: .relaxed) < 8
                            if again, Bool.random(), let index = rooms.firstIndex(where: { $0.room == room }) {
                                returning.add(1, ordering: .relaxed)
                                let next = origins[(index + 1) % origins.count] // the origin after the room's first
                                record.sessions.withLock { $0[room, default: []].append(next.route) }
                                let status = try harness.allocate(room: room, origin: next.origin, instance: Int.random(in: 0...1),
                                                                  client: client)
                                if status != "queued" { record.failures.withLock { $0.append("returning \(room): \(status ?? "-")") } }
                            }
                        }
                    } catch { record.failures.withLock { $0.append("resolver: \(error)") } }
                    Thread.sleep(forTimeInterval: Double.random(in: 0.02...0.05))
                }
            }
            resolver.start()

            onThreads(3) { sender in
                let client = HTTPClient()
                for (index, room) in rooms.enumerated() where index % 3 == sender {
                    do {
                        let origin = room.origin.origin
                        let body = try harness.customerMessage(room: room.room, source: origin.source, channel: origin.channel,
                                                               client: client)
                        for copy in 0..<(2 + index % 2) {
                            let url = harness.instanceURLs[(index + copy) % 2] + "/webhooks/allocate"
                            let response = try harness.post(url, json: body, client: client)
                            let status = EndToEndTests.status(of: response)
                            if response.status != 200 || !["queued", "duplicate", "assigned"].contains(status ?? "") {
                                record.failures.withLock { $0.append("allocate \(room.room): \(response.status) \(response.text)") }
                            }
                        }
                    } catch { record.failures.withLock { $0.append("sender: \(error)") } }
                    Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.02))
                }
            }

            func everySessionServed() throws -> Bool {
                let counts = Dictionary(grouping: try harness.simulatorReport().assigns, by: \.room).mapValues(\.count)
                return record.sessions.withLock { $0.allSatisfy { counts[$0.key] == $0.value.count } }
            }
            let served = try eventually(within: 30) { try everySessionServed() }
            stopResolving.store(true, ordering: .relaxed)
            while !resolver.isFinished { Thread.sleep(forTimeInterval: 0.01) }
            #expect(served, "every session is served while rooms are resolved")
            #expect(returning.load(ordering: .relaxed) > 0, "some customers came back")
            // A customer who came back just before the resolver stopped: make room for it.
            for room in try harness.simulatorReport().rooms.keys { try harness.resolve(room: room, instance: 1) }
            #expect(try eventually(within: 10) { try everySessionServed() }, "the last returning customers are served")

            // Fill every agent to its limit with default rooms.
            let held = try harness.simulatorReport().loads.values.reduce(0, +)
            for index in 0..<(capacity - held) {
                let room = String(6_150_001 + index)
                record.sessions.withLock { $0[room] = ["default"] }
                #expect(try harness.allocate(room: room, origin: .source("qiscus"), instance: index % 2) == "queued")
            }
            let full = try eventually(within: 10) {
                let report = try harness.simulatorReport()
                let status = try harness.routedStatus()
                return report.loads.values.reduce(0, +) == capacity && status.queue_length == 0 && status.in_flight == 0
            }
            #expect(full, "every agent is at its limit and nobody waits")
        }

        /// Whether no room was in flight for 150 ms running (within 5 s): no allocation task is at work.
        static func settled(_ harness: ServiceHarness) throws -> Bool {
            var quiet = 0
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                quiet = try harness.routedStatus().in_flight == 0 ? quiet + 1 : 0
                if quiet == 15 { return true }
                Thread.sleep(forTimeInterval: 0.01)
            }
            return false
        }

        /// Every agent full, rooms of the three routes wait (their duplicates sent to the other instance); then
        /// one slot at a time is freed, of each agent in turn: each freed slot goes to the room that waited
        /// longest among the routes its agent serves, so each route is served in order of arrival.
        static func servedInOrder(_ harness: ServiceHarness, _ record: Record) throws {
            let kinds = [0, 1, 4, 3, 2, 5, 0, 1, 4, 3, 2, 5]
            let assignsBefore = try harness.simulatorReport().assigns.count
            var pending = kinds.enumerated().map { (room: String(6_200_001 + $0.offset), origin: origins[$0.element]) }
            for (index, room) in pending.enumerated() {
                record.sessions.withLock { $0[room.room] = [room.origin.route] }
                #expect(try harness.allocate(room: room.room, origin: room.origin.origin, instance: index % 2) == "queued")
            }
            for (index, room) in pending.enumerated() {
                #expect(try harness.allocate(room: room.room, origin: room.origin.origin, instance: (index + 1) % 2) == "duplicate")
            }
            #expect(try settled(harness))
            #expect(try harness.simulatorReport().assigns.count == assignsBefore, "every agent is full: every room waits")
            let arrival = pending
            var served: [(room: String, route: String)] = []
            var turn = 0
            while !pending.isEmpty {
                // The next agent in turn that serves a waiting room.
                var agent = [d, a, c, b][turn % 4]
                while !pending.contains(where: { routesServed(by: agent).contains($0.origin.route) }) {
                    turn += 1
                    agent = [d, a, c, b][turn % 4]
                }
                turn += 1
                // The task that served the last room goes on claiming until every route it can look at is full; a
                // slot freed meanwhile would race its claims (see RoutesUpgradeTests.environment).
                #expect(try settled(harness))
                let before = try harness.simulatorReport()
                let expected = try #require(pending.first { routesServed(by: agent).contains($0.origin.route) })
                let room = try #require(before.rooms.filter { $0.value == agent }.keys.sorted().first)
                #expect(try harness.resolve(room: room, instance: turn % 2) == "released")
                var latest: AssignRecord?
                let assigned = try eventually(within: 5) {
                    let report = try harness.simulatorReport()
                    latest = report.assigns.count > before.assigns.count ? report.assigns[before.assigns.count] : nil
                    return latest != nil
                }
                #expect(assigned, "the slot freed of \(agent) serves a waiting room")
                guard let latest, let index = pending.firstIndex(where: { $0.room == latest.room }) else { break }
                #expect(latest.agent == agent && latest.room == expected.room,
                        "agent \(agent)'s freed slot went to \(latest.room) (agent \(latest.agent)), not \(expected.room)")
                served.append((latest.room, pending[index].origin.route))
                pending.remove(at: index)
            }
            for route in ["sales", "support", "default"] {
                #expect(served.filter { $0.route == route }.map(\.room) == arrival.filter { $0.origin.route == route }.map(\.room),
                        "\(route) is served in order of arrival")
            }
        }
    }
}
