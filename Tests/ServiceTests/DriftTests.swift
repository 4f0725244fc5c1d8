import Foundation
import HTTPClient
import QiscusSimulator
import Testing
import TestSupport

/// Our books drifting from Qiscus (a lost resolve webhook, an agent going offline whose rooms Qiscus closes):
/// `reconcile` heals the loads without ever letting an agent go above the limit.
@Suite struct DriftTests {
    /// Heals once an agent had no reservation for 0.5 + 2 x 0.5 = 1.5 s, checked every second.
    static let environment = ["RECONCILE_SECONDS": "1", "QISCUS_COUNT_LAG_SECONDS": "0.5", "QISCUS_TIMEOUT_SECONDS": "0.5",
                              "LEASE_SECONDS": "3"]

    static func ourLoads(_ harness: ServiceHarness) throws -> [String: Int] {
        let status = try JSONDecoder().decode(StatusBody.self, from: harness.get(harness.instanceURLs[0] + "/v1/status").body)
        return Dictionary(uniqueKeysWithValues: status.agents.map { (String($0.id), $0.load) })
    }

    static func allocate(_ harness: ServiceHarness, _ rooms: [String]) throws {
        for room in rooms {
            let response = try harness.post(harness.instanceURLs[0] + "/webhooks/allocate", json: harness.customerMessage(room: room))
            #expect(response.status == 200)
        }
    }

    @Test func aLostResolveWebhookIsHealed() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 1, environment: Self.environment)
            defer { harness.stop() }
            try Self.allocate(harness, ["51", "52"])
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms.count == 2 })
            #expect(try harness.resolveInSimulator(room: "51") != nil) // ...and its webhook never arrives
            try Self.allocate(harness, ["53"])
            #expect(try eventually(within: 10) { try harness.simulatorReport().rooms["53"] != nil }, "the healed slot serves the waiting room")
            #expect(try eventually(within: 5) { try Self.ourLoads(harness) == harness.simulatorReport().loads })
            #expect(try harness.simulatorReport().maxLoads.values.allSatisfy { $0 <= 2 })
            #expect(harness.log("instance-0").contains("healed a load"))
        }
    }

    @Test func anAgentGoingOfflineWhoseRoomsQiscusClosesIsHealed() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2, environment: Self.environment)
            defer { harness.stop() }
            try Self.allocate(harness, ["61", "62", "63", "64"])
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms.count == 4 })
            let first = try harness.simulatorReport().rooms.filter { $0.value == 150_001 }.map(\.key)
            #expect(first.count == 2)
            _ = try harness.post(harness.simulatorURL + "/sim/agents", json: Data(#"[{"id":150001,"is_available":false}]"#.utf8))
            for room in first { _ = try harness.resolveInSimulator(room: room) } // closed in Qiscus, no webhooks
            #expect(try eventually(within: 10) { try Self.ourLoads(harness) == ["150002": 2] }, "the offline agent's load is healed")

            _ = try harness.post(harness.simulatorURL + "/sim/agents", json: Data(#"[{"id":150001,"is_available":true}]"#.utf8))
            try Self.allocate(harness, ["65", "66", "67"])
            #expect(try eventually(within: 10) {
                let report = try harness.simulatorReport()
                return report.rooms["65"] == 150_001 && report.rooms["66"] == 150_001
            }, "back online, the agent takes rooms again")
            let report = try harness.simulatorReport()
            #expect(report.rooms["67"] == nil, "both agents are full: the third room waits")
            #expect(report.maxLoads.values.allSatisfy { $0 <= 2 } && report.conflicts == 0)
        }
    }
}
