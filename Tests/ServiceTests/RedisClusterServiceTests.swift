import Foundation
import Redis
import Testing
import TestSupport

/// `allocator serve` on a real Redis Cluster, its `REDIS_URL` naming a master that does not hold the app's slot.
@Suite struct RedisClusterServiceTests {
    /// Ten agents, two rooms each: room for all twenty customers.
    @Test func theServiceStoresWebhooksAndAssignsRoomsThroughANodeThatDoesNotOwnTheAppsSlot() async throws {
        try await onThread {
            let cluster = try RedisCluster.shared
            let slot = RedisKeySlot.slot(of: "{sim-app}")
            guard let seed = try cluster.masters().first(where: { !$0.serves(slot) }) else {
                throw TestSupportError("every master serves slot \(slot)")
            }
            let harness = try ServiceHarness(instances: 1, agents: 10,
                                             environment: ["REDIS_URL": "redis://127.0.0.1:\(seed.port)/0"])
            defer { harness.stop() }
            let rooms = (1...20).map { String(7_100_000 + $0) }
            for room in rooms {
                let body = try harness.customerMessage(room: room)
                let response = try harness.post(harness.instanceURLs[0] + "/webhooks/allocate", json: body)
                #expect(response.status == 200, "\(room): \(response.status) \(response.text)")
            }
            let assigned = try eventually(within: 20) {
                Set(try harness.simulatorReport().assigns.map(\.room)).isSuperset(of: rooms)
            }
            #expect(assigned, "every room is assigned; log: \(harness.log("instance-0").suffix(3000))")
            #expect(try harness.get(harness.instanceURLs[0] + "/readyz").status == 200)
            // The app's keys are on the master of its slot, not on the node of REDIS_URL.
            let owner = try cluster.owner(of: slot)
            let keys = try cluster.execute(["CLUSTER", "COUNTKEYSINSLOT", String(slot)], on: owner.port).int ?? 0
            #expect(keys > 0)
        }
    }
}
