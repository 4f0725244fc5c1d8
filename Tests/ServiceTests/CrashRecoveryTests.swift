import Allocation
import Foundation
import Redis
import HTTPClient
import QiscusSimulator
import Testing
import TestSupport

/// `kill -9` of an instance at each step of an allocation: another instance completes every room that was
/// answered 200, no room is assigned twice, and the agent loads are exact afterwards.
@Suite struct CrashRecoveryTests {
    static let environment = ["LEASE_SECONDS": "3", "QISCUS_TIMEOUT_SECONDS": "1", "WORKER_CONCURRENCY": "2",
                              "RECONCILE_SECONDS": "1"]

    @Test(arguments: WorkerStep.allCases)
    func aKilledInstanceLosesNoRoomAndAssignsNoneTwice(step: WorkerStep) async throws {
        let harness = try await onThread { try ServiceHarness(instances: 0, agents: 2, environment: Self.environment) }
        defer { harness.stop() }
        // Two rooms are waiting before the instance starts (queued as the webhook queues them), so it dies
        // at `step` for certain; more arrive as webhooks, and those answered 200 must be served too.
        let redis = harness.redis.client()
        let store = AllocationStore(keys: try Keyspace(prefix: "caa", app: "sim-app"), redis: redis.service)
        let accepted = ["9001", "9002"]
        for room in accepted { #expect(try await store.run(Enqueue(room: room, session: "0")).code == .queued) }
        let seeded = accepted
        try await onThread {
            var accepted = seeded
            let victim = try harness.startInstance(environment: ["ALLOCATOR_CRASH_AT": step.rawValue], waitUntilReady: false)
            let client = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 2))
            for room in (3...5).map({ String(9_000 + $0) }) {
                let body = try harness.customerMessage(room: room)
                if let response = try? harness.post(harness.instanceURLs[victim] + "/webhooks/allocate", json: body, client: client),
                   response.status == 200 {
                    accepted.append(room)
                }
            }
            #expect(harness.instance(victim).wait(timeout: 10) == 128 + SIGKILL, "the instance died at \(step)")

            let survivor = try harness.startInstance()
            let statusURL = harness.instanceURLs[survivor] + "/v1/status"
            let settled = eventually(within: 20) {
                guard let report = try? harness.simulatorReport(),
                      let status = try? JSONDecoder().decode(StatusBody.self, from: harness.get(statusURL).body) else { return false }
                let ours = Dictionary(uniqueKeysWithValues: status.agents.map { (String($0.id), $0.load) })
                return Set(report.rooms.keys).isSuperset(of: accepted) && status.queue_length == 0
                    && status.in_flight == 0 && ours == report.loads
            }
            #expect(settled, "every accepted room is assigned and our loads equal the simulator's")
            let report = try harness.simulatorReport()
            #expect(report.conflicts == 0)
            let perRoom = Dictionary(grouping: report.assigns, by: \.room)
            #expect(accepted.allSatisfy { perRoom[$0]?.count == 1 }, "each room assigned exactly once: \(report.assigns)")
            #expect(report.maxLoads.values.allSatisfy { $0 <= 2 })
        }
    }
}
