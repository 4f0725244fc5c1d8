import Foundation
import HTTPClient
import Synchronization
import Testing
import TestSupport

extension RouteProcessTests {
    /// A route with more online agents than one page of `available_agents` (100) and than one reservation is
    /// offered (64), served by two instances. Qiscus's count lags the whole test, so every listing says every
    /// agent is free and each instance learns only its own rooms: windows full of the other's agents send rooms
    /// on to the next window. Every agent is reached, and none ever holds more than its limit.
    @Suite struct ManyAgentsTests {
        @Test func everyOneOfThreeHundredAgentsReceivesExactlyOneRoom() async throws {
            try await onThread {
                let agents = 300
                let harness = try ServiceHarness(instances: 2, agents: agents, simulatorArguments: ["--count-lag-ms", "60000"],
                                                 environment: ["MAX_CUSTOMERS_PER_AGENT": "1", "WORKER_CONCURRENCY": "4",
                                                               "RECONCILE_SECONDS": "60"])
                defer { harness.stop() }
                let rooms = (1...agents).map { String(7_000_000 + $0) }
                let failures = Mutex<[String]>([])
                onThreads(2) { sender in
                    let client = HTTPClient()
                    for (index, room) in rooms.enumerated() where index % 2 == sender {
                        do {
                            let body = try harness.customerMessage(room: room, client: client)
                            let response = try harness.post(harness.instanceURLs[sender] + "/webhooks/allocate",
                                                            json: body, client: client)
                            if response.status != 200 { failures.withLock { $0.append("\(room): \(response.status)") } }
                        } catch { failures.withLock { $0.append("\(room): \(error)") } }
                    }
                }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")

                let served = try eventually(within: 30) { try harness.simulatorStats().assignCount >= agents }
                let report = try harness.simulatorReport()
                #expect(served && report.rooms.count == agents, "\(report.rooms.count) of \(agents) rooms served")
                let missing = rooms.filter { report.rooms[$0] == nil }
                #expect(missing.isEmpty, "\(missing.count) rooms not served, e.g. \(missing.prefix(5))")
                #expect(Set(report.rooms.values).count == agents, "every agent has a room")
                #expect(report.maxLoads.count == agents && report.maxLoads.values.allSatisfy { $0 == 1 },
                        "no agent ever above 1: \(report.maxLoads.filter { $0.value != 1 })")
                #expect(report.assigns.count == agents && report.conflicts == 0)
            }
        }
    }
}
