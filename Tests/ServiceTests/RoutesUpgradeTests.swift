import Foundation
import HTTPClient
import QiscusSimulator
import Redis
import Testing
import TestSupport

extension RouteProcessTests {
    /// Rooms left in Redis by a version before routes, or queued in a route the routes file no longer has, are
    /// served by the routes of the instance that starts next.
    @Suite struct RoutesUpgradeTests {
        static let routes = """
        routes:
          - name: sales
            match: {channel_ids: [12]}
            division_ids: [438]
            max_customers_per_agent: 2
        """
        /// One allocation task, so rooms are taken strictly one after another: with several, rooms claimed at the
        /// same moment reserve in whatever order their listings return, and when fewer slots are free than rooms
        /// claimed a younger room can take a slot an older one then misses (seen here at start-up: 7003 and 7004
        /// served while 7002 waited).
        static let environment = ["SHUTDOWN_DRAIN_SECONDS": "0", "RECONCILE_SECONDS": "1", "WORKER_CONCURRENCY": "1"]
        /// P in no division (default only), Q in sales' division (sales and default); both may hold 2 rooms.
        static let (p, q) = (150_001, 150_002)

        @Test func roomsLeftByTheVersionBeforeRoutesAreServedByDefault() async throws {
            try await onThread {
                let harness = try ServiceHarness(instances: 0, agents: 0, environment: Self.environment)
                defer { harness.stop() }
                try harness.setAgents([(Self.p, []), (Self.q, [438])])
                let redis = harness.redis.connect()
                defer { redis.disconnect() }
                func key(_ name: String) -> String { ServiceHarness.key(name) }

                // As the version before routes left them: "7001" in flight with P reserved and its lease run out
                // (its instance died before the assign call), "7002".."7004" queued behind it, "7005" assigned to Q.
                let time = try redis.execute(["TIME"]).array?.compactMap { $0.string.flatMap { Int($0) } } ?? []
                let nowUs = try #require(time.count == 2 ? time[0] * 1_000_000 + time[1] : nil)
                let nowMs = nowUs / 1000
                let queued = ["7002", "7003", "7004"]
                var commands: [[String]] = [
                    ["HSET", key("state"), "7001", "f"], ["HSET", key("session"), "7001", "0"],
                    ["HSET", key("since"), "7001", String(nowUs - 10_000_000)], ["ZADD", key("lease"), String(nowMs - 2000), "7001"],
                    ["HSET", key("owner"), "7001", "old-worker-42"], ["HSET", key("agent"), "7001", String(Self.p)],
                    ["HINCRBY", key("load"), String(Self.p), "1"], ["HSET", key("touched"), String(Self.p), String(nowMs - 10_000)],
                    ["HSET", key("state"), "7005", "a"], ["HSET", key("session"), "7005", "0"],
                    ["HSET", key("agent"), "7005", String(Self.q)], ["ZADD", key("assigned"), String(Self.q), "7005"],
                    ["HINCRBY", key("load"), String(Self.q), "1"],
                ]
                for (index, room) in queued.enumerated() {
                    let arrival = String(nowUs - 9_000_000 + index * 1_000_000)
                    commands += [["ZADD", key("queue"), arrival, room], ["HSET", key("state"), room, "q"],
                                 ["HSET", key("session"), room, "0"], ["HSET", key("since"), room, arrival]]
                }
                for command in commands { try redis.execute(command) }
                try harness.assignInSimulator(room: "7005", agent: Self.q)

                try harness.startInstance(environment: ["ROUTES_FILE": try harness.writeRoutes(Self.routes)])
                // P and Q have two free slots: the in-flight room keeps P, two queued rooms take the rest.
                let served = try eventually(within: 10) {
                    let rooms = try harness.simulatorReport().rooms
                    return rooms["7001"] == Self.p && queued.filter { rooms[$0] != nil }.count == 2
                }
                #expect(served, "the recovered room goes to its reserved agent and queued rooms fill the free slots")
                Thread.sleep(forTimeInterval: 0.3)
                let report = try harness.simulatorReport()
                #expect(report.loads == [String(Self.p): 2, String(Self.q): 2], "\(report.loads)")
                let waiting = try #require(queued.first { report.rooms[$0] == nil })
                #expect(waiting == "7004", "the newest queued room waits (order of arrival)")

                // The resolve of the room assigned before the upgrade frees Q for the room still waiting.
                #expect(try harness.resolve(room: "7005") == "released")
                #expect(try eventually(within: 5) { try harness.simulatorReport().rooms[waiting] == Self.q })
                let final = try harness.simulatorReport()
                #expect(final.conflicts == 0 && final.assigns.count == 5 && final.maxLoads.values.allSatisfy { $0 <= 2 })
                let loads = try harness.routedStatus().agents
                #expect(Dictionary(uniqueKeysWithValues: loads.map { (String($0.id), $0.load) }) == final.loads,
                        "our loads equal the simulator's")
                #expect(try redis.execute(["HLEN", key("route")]).int == 0, "every room stayed in default")
            }
        }

        @Test func roomsOfARouteTheNewFileDropsAreServedByDefault() async throws {
            try await onThread {
                let harness = try ServiceHarness(instances: 0, agents: 0, environment: Self.environment)
                defer { harness.stop() }
                try harness.setAgents([(Self.p, [])])
                let withVIP = try harness.writeRoutes("""
                    routes:
                      - name: vip
                        match: {channel_ids: [77]}
                        division_ids: [900]
                    """, named: "with-vip.yaml")
                let first = try harness.startInstance(environment: ["ROUTES_FILE": withVIP])
                let rooms = ["7101", "7102", "7103"]
                for room in rooms { #expect(try harness.allocate(room: room, origin: .channel(77, "wa")) == "queued") }
                let redis = harness.redis.connect()
                defer { redis.disconnect() }
                // Nobody serves vip (division 900 has no agent): its rooms wait, though P is free.
                Thread.sleep(forTimeInterval: 0.5)
                #expect(try eventually(within: 3) { try redis.execute(["ZCARD", ServiceHarness.key("queue:vip")]).int == 3 })
                #expect(try harness.simulatorReport().assigns.isEmpty)
                #expect(harness.instance(first).terminate(grace: 10) == 0)

                let without = try harness.writeRoutes(Self.routes, named: "without-vip.yaml")
                try harness.startInstance(environment: ["ROUTES_FILE": without])
                #expect(try eventually(within: 8) { try harness.simulatorReport().rooms.count == 2 },
                        "the vip rooms were moved to default and P took two")
                let report = try harness.simulatorReport()
                #expect(report.assigns.map(\.room) == ["7101", "7102"], "in order of arrival: \(report.assigns.map(\.room))")
                #expect(report.assigns.allSatisfy { $0.agent == Self.p })
                #expect(try redis.execute(["ZCARD", ServiceHarness.key("queue:vip")]).int == 0)
                #expect(try eventually(within: 3) { try redis.execute(["ZSCORE", ServiceHarness.key("queue"), "7103"]).string != nil },
                        "the third waits in default (a nudge may hold it in flight for a moment)")
                #expect(harness.log("instance-1").contains("rooms of a route that is no longer in the routes file now wait in default"))
            }
        }
    }
}
