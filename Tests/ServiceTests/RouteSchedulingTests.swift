import Foundation
import HTTPClient
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

extension RouteProcessTests {
    /// A full route never holds up another, and a room reaches its overflow route's agents on time with no event
    /// to wake anyone: one instance, no nudge (`RECONCILE_SECONDS` 60), timed by the simulator's assign records.
    @Suite struct RouteSchedulingTests {
        typealias Origin = ServiceHarness.Origin

        static let routes = """
        routes:
          - name: busy
            match: {channel_ids: [21]}
            division_ids: [501]
            max_customers_per_agent: 1
          - name: quick
            match: {channel_ids: [22]}
            division_ids: [502]
          - name: spill
            match: {channel_ids: [23]}
            division_ids: [503]
            max_customers_per_agent: 1
            overflow: {route: pool, after_seconds: 2}
          - name: pool
            division_ids: [504]
        """
        static let (busyAgent, quickAgent, spillAgent, poolAgent) = (150_001, 150_002, 150_003, 150_004)

        @Test func aSaturatedRouteDelaysNoOtherAndAnOverflowRoomIsServedOnTime() async throws {
            try await onThread {
                let harness = try ServiceHarness(instances: 0, agents: 0, environment: ["SHUTDOWN_DRAIN_SECONDS": "0", "RECONCILE_SECONDS": "60"])
                defer { harness.stop() }
                try harness.setAgents([(Self.busyAgent, [501]), (Self.quickAgent, [502]), (Self.spillAgent, [503]),
                                       (Self.poolAgent, [504])])
                try harness.startInstance(environment: ["ROUTES_FILE": try harness.writeRoutes(Self.routes)])

                // busy's only agent holds its one room; 1,000 more wait behind it, sent by 8 senders at once.
                #expect(try harness.allocate(room: "6500000", origin: .channel(21, "wa")) == "queued")
                #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["6500000"] == Self.busyAgent })
                let failures = Mutex<[String]>([])
                onThreads(8) { sender in
                    let client = HTTPClient()
                    for index in stride(from: 1 + sender, through: 1000, by: 8) {
                        do {
                            let status = try harness.allocate(room: String(6_500_000 + index), origin: .channel(21, "wa"), client: client)
                            if status != "queued" { failures.withLock { $0.append("\(index): \(status ?? "-")") } }
                        } catch { failures.withLock { $0.append("\(index): \(error)") } }
                    }
                }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
                #expect(try eventually(within: 10) {
                    let status = try harness.routedStatus()
                    return status.queue_length == 1000 && status.in_flight == 0
                }, "1,000 rooms wait in busy")

                // A room of quick, whose agent is free, is served at once.
                var latencies: [Double] = []
                for index in 1...3 {
                    let room = String(6_510_000 + index)
                    let body = try harness.customerMessage(room: room, source: "wa", channel: SimulatedChannel(id: 22, name: "Quick", source: "wa"))
                    let sentAt = Date().timeIntervalSince1970
                    #expect(EndToEndTests.status(of: try harness.post(harness.instanceURLs[0] + "/webhooks/allocate", json: body)) == "queued")
                    var assign: AssignRecord?
                    #expect(try eventually(within: 5) {
                        assign = try harness.simulatorReport().assigns.first { $0.room == room }
                        return assign != nil
                    })
                    guard let assign else { break }
                    #expect(assign.agent == Self.quickAgent)
                    latencies.append(assign.at - sentAt)
                    #expect(try harness.resolve(room: room) == "released")
                }
                print("RouteSchedulingTests: quick room assigned \(latencies.map { String(format: "%.3f", $0) }) s after its webhook")
                #expect(latencies.count == 3 && latencies.allSatisfy { $0 < 0.2 }, "quick rooms waited \(latencies) s behind 1,000 busy rooms")
                #expect(try eventually(within: 2) {
                    let status = try harness.routedStatus()
                    return status.queue_length == 1000 && status.in_flight == 0
                }, "busy still waits, whole")

                // spill's agent is full; a second spill room goes to pool's agent once it waited 2 s, nothing else happening.
                #expect(try harness.allocate(room: "6520001", origin: .channel(23, "wa")) == "queued")
                #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["6520001"] == Self.spillAgent })
                let body = try harness.customerMessage(room: "6520002", source: "wa", channel: SimulatedChannel(id: 23, name: "Spill", source: "wa"))
                let sentAt = Date().timeIntervalSince1970
                #expect(EndToEndTests.status(of: try harness.post(harness.instanceURLs[0] + "/webhooks/allocate", json: body)) == "queued")
                var overflowed: AssignRecord?
                #expect(try eventually(within: 6) {
                    overflowed = try harness.simulatorReport().assigns.first { $0.room == "6520002" }
                    return overflowed != nil
                }, "the spill room is served by pool")
                let overflow = try #require(overflowed)
                let late = overflow.at - sentAt - 2
                print("RouteSchedulingTests: overflow room assigned \(String(format: "%.3f", late)) s after its after_seconds")
                #expect(overflow.agent == Self.poolAgent)
                #expect(late > -0.1 && late < 1, "served \(late) s after its 2 s in spill")
            }
        }
    }
}
