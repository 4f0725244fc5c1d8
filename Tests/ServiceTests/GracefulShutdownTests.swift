import Allocation
import Foundation
import HTTPClient
import Redis
import Synchronization
import Testing
import TestSupport

/// SIGTERM to `allocator serve`: `/readyz` turns 503 at once while webhooks are still taken for
/// `SHUTDOWN_DRAIN_SECONDS`, then no new claims, rooms in hand finished or requeued, exit 0 in time.
@Suite struct GracefulShutdownTests {
    @Test func sigtermDuringABurstDrainsThenExitsAndLosesNoRoom() async throws {
        try await onThread {
            let drain = 2.0
            let harness = try ServiceHarness(instances: 2, agents: 40, simulatorArguments: ["--latency-ms", "20"],
                                             environment: ["SHUTDOWN_DRAIN_SECONDS": String(drain), "LEASE_SECONDS": "5",
                                                           "QISCUS_TIMEOUT_SECONDS": "1", "RECONCILE_SECONDS": "1"])
            defer { harness.stop() }
            let victim = harness.instanceURLs[0]
            // Webhooks keep coming to the instance that will be told to stop (fewer than the 80 slots).
            let burst = WebhookBurst(harness, to: victim, firstRoom: 7_000_000, count: 75, pause: 0.02)
            Thread.sleep(forTimeInterval: 0.5)

            let signalled = Date()
            harness.instance(0).signal(SIGTERM)
            let probe = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 1))
            let turned = eventually(within: 1) { (try? harness.get(victim + "/readyz", client: probe))?.status == 503 }
            #expect(turned, "/readyz turned 503 at once")
            let notReadyAt = Date()
            #expect(notReadyAt.timeIntervalSince(signalled) < 1)

            let exit = harness.instance(0).wait(timeout: drain + 5 + 5)
            let took = Date().timeIntervalSince(signalled)
            burst.stopAndWait()
            #expect(exit == 0, "graceful exit")
            #expect(took >= drain - 0.2 && took < drain + 5, "exit after the drain, within drain + LEASE_SECONDS (\(took) s)")
            let answers = burst.all
            #expect(answers.contains { $0.status == 200 && $0.at > notReadyAt }, "webhooks were still taken while not ready")
            // Refused once the port closed at the end of the drain: never answered (nil), so not accepted.
            #expect(answers.allSatisfy { $0.status == 200 || $0.status == nil }, "\(answers.filter { $0.status != 200 }.prefix(5))")
            #expect(harness.log("instance-0").contains("shutting down"))

            // The other instance serves whatever the stopped one left in the queue: every accepted room once.
            let rooms = burst.accepted
            #expect(rooms.count >= 10, "a burst: \(rooms.count) rooms accepted (19 on a loaded machine)")
            let served = eventually(within: 20) {
                guard let report = try? harness.simulatorReport() else { return false }
                return Set(report.rooms.keys).isSuperset(of: rooms)
            }
            #expect(served, "every accepted room is assigned")
            let report = try harness.simulatorReport()
            let perRoom = Dictionary(grouping: report.assigns, by: \.room)
            #expect(rooms.allSatisfy { perRoom[$0]?.count == 1 }, "each room assigned exactly once")
            #expect(report.conflicts == 0 && report.maxLoads.values.allSatisfy { $0 <= 2 })
        }
    }

    /// Qiscus hangs and the retry budget (10 tries of 1 s) exceeds the 4 s lease: on SIGTERM the room in hand goes
    /// back to its place in line and the process exits within drain + LEASE_SECONDS.
    @Test func aHungQiscusDuringShutdownPutsTheRoomBackInItsPlace() async throws {
        let drain = 1.0, lease = 4.0
        let harness = try await onThread {
            try ServiceHarness(instances: 1, agents: 2,
                               environment: ["SHUTDOWN_DRAIN_SECONDS": String(drain), "LEASE_SECONDS": String(Int(lease)),
                                             "QISCUS_TIMEOUT_SECONDS": "1", "QISCUS_MAX_ATTEMPTS": "10",
                                             "WORKER_CONCURRENCY": "1"])
        }
        defer { inBackground { harness.stop() } }
        let took = try await onThread {
            let faults = try harness.post(harness.simulatorURL + "/sim/faults",
                                          json: Data(#"{"hang_rate":1.0,"hang_ms":30000}"#.utf8))
            try #require(faults.status == 200)
            let base = harness.instanceURLs[0]
            for room in ["801", "802"] {
                let response = try harness.post(base + "/webhooks/allocate", json: harness.customerMessage(room: room))
                try #require(response.status == 200)
            }
            Thread.sleep(forTimeInterval: 1.5) // room 801 is in hand, its listing hanging or backing off
            let signalled = Date()
            harness.instance(0).signal(SIGTERM)
            #expect(harness.instance(0).wait(timeout: drain + lease + 5) == 0, "graceful exit")
            return Date().timeIntervalSince(signalled)
        }
        #expect(took < drain + lease, "exit within drain + LEASE_SECONDS (\(took) s)")
        #expect(harness.log("instance-0").contains("Qiscus call failed; retrying"), "the call was being retried")

        let running = harness.redis.client()
        let snapshot = try await AllocationStore(keys: try Keyspace(app: "sim-app"), redis: running.service).snapshot()
        #expect(snapshot.queue == ["801", "802"], "back at its place, ahead of the room that came later")
        #expect(snapshot.states == ["801": "q", "802": "q"] && snapshot.leased.isEmpty && snapshot.dead.isEmpty)
        #expect(snapshot.loads.isEmpty, "no reservation left behind")
    }
}
