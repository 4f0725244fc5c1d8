import Foundation
import HTTPClient
import Synchronization
import Testing
import TestSupport

extension RouteProcessTests {
    /// The shared agent view of a real `allocator serve`, counted at the simulator: `AGENT_VIEW_MAX_AGE_MS=0`
    /// lists `available_agents` for every room; the default lists a few times for a burst of rooms and not at
    /// all while idle, and `/metrics` shows the API calls by endpoint and the age of the views rooms used.
    @Suite struct AgentViewServiceTests {
        /// A stack of one instance over 20 agents with free capacity; the housekeeper's listing every
        /// `RECONCILE_SECONDS` kept out of the counts. Returns once the start-up probe (an `available_agents`
        /// call) reached the simulator.
        static func harness(maxAgeMilliseconds: Int? = nil) throws -> ServiceHarness {
            var environment = ["MAX_CUSTOMERS_PER_AGENT": "10000", "RECONCILE_SECONDS": "600"]
            environment["AGENT_VIEW_MAX_AGE_MS"] = maxAgeMilliseconds.map(String.init)
            let harness = try ServiceHarness(instances: 1, agents: 20, environment: environment)
            let probed = try eventually(within: 15) { try harness.simulatorStats().availableAgentsCalls >= 1 }
            try #require(probed, "the start-up probe reached the simulator")
            return harness
        }

        /// Posts the allocation webhook of a customer message in `room`; records an issue unless it is taken.
        static func post(_ room: String, _ harness: ServiceHarness, client: HTTPClient) throws {
            let response = try harness.post(harness.instanceURLs[0] + "/webhooks/allocate",
                                            json: try harness.customerMessage(room: room, client: client), client: client)
            #expect(response.status == 200, "allocate \(room): \(response.status) \(response.text)")
        }

        /// The value of the sample `name` (with its labels, e.g. `x{call="y"}`) in a Prometheus text page.
        static func sample(_ name: String, in metrics: String) -> Double? {
            metrics.split(separator: "\n").lazy.compactMap { line -> Double? in
                guard line.hasPrefix(name + " ") else { return nil }
                return Double(line.dropFirst(name.count + 1))
            }.first
        }

        @Test func maxAgeZeroListsForEveryRoom() async throws {
            try await onThread {
                let harness = try Self.harness(maxAgeMilliseconds: 0)
                defer { harness.stop() }
                let client = HTTPClient()
                let before = try harness.simulatorStats(client: client)
                for index in 1...10 {
                    try Self.post(String(8_100_000 + index), harness, client: client)
                    let assigned = try eventually(within: 15) {
                        try harness.simulatorStats(client: client).assignCount >= before.assignCount + index
                    }
                    try #require(assigned, "room \(index) assigned")
                }
                let after = try harness.simulatorStats(client: client)
                #expect(after.availableAgentsCalls - before.availableAgentsCalls >= 10,
                        "a listing per room: \(after.availableAgentsCalls - before.availableAgentsCalls) for 10 rooms")
                #expect(after.assignCalls - before.assignCalls == 10)
            }
        }

        /// 40 rooms at once share a few listings; then 2 s idle list nothing (at most a refresh asked for by the
        /// last rooms).
        @Test func aBurstSharesAFewListingsAndAnIdleServiceListsNothing() async throws {
            try await onThread {
                let harness = try Self.harness()
                defer { harness.stop() }
                let poller = HTTPClient()
                let before = try harness.simulatorStats(client: poller)
                let rooms = (1...40).map { String(8_200_000 + $0) }
                let senders = DispatchGroup()
                let failures = Mutex<[String]>([])
                for sender in 0..<4 {
                    senders.enter()
                    Thread {
                        defer { senders.leave() }
                        let client = HTTPClient()
                        for (index, room) in rooms.enumerated() where index % 4 == sender {
                            do { try Self.post(room, harness, client: client) } catch {
                                failures.withLock { $0.append("\(room): \(error)") }
                            }
                        }
                    }.start()
                }
                senders.wait()
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")

                let served = try eventually(within: 20) {
                    try harness.simulatorStats(client: poller).assignCount >= before.assignCount + rooms.count
                }
                let report = try harness.simulatorReport(client: poller)
                #expect(served && rooms.allSatisfy { report.rooms[$0] != nil },
                        "every room assigned: \(rooms.filter { report.rooms[$0] == nil })")
                let burst = try harness.simulatorStats(client: poller)
                let listed = burst.availableAgentsCalls - before.availableAgentsCalls
                #expect(listed >= 1 && listed <= 10, "\(listed) available_agents calls for \(rooms.count) rooms")

                Thread.sleep(forTimeInterval: 2)
                let idle = try harness.simulatorStats(client: poller)
                #expect(idle.availableAgentsCalls - burst.availableAgentsCalls <= 1,
                        "idle for 2 s: \(idle.availableAgentsCalls - burst.availableAgentsCalls) available_agents calls")
                #expect(idle.assignCalls == burst.assignCalls)

                // Every request the instance sent is counted by endpoint, as the simulator counted it.
                let metrics = try harness.get(harness.instanceURLs[0] + "/metrics", client: poller).text
                let listings = Self.sample(#"caa_qiscus_calls_total{app="sim-app",call="available_agents"}"#, in: metrics)
                let assigns = Self.sample(#"caa_qiscus_calls_total{app="sim-app",call="assign_agent"}"#, in: metrics)
                #expect(listings == Double(idle.availableAgentsCalls), "\(metrics)")
                #expect(assigns == Double(idle.assignCalls) && idle.assignCalls >= rooms.count, "\(metrics)")
                // Timers are histograms (`_bucket`, `_sum`, `_count`): one age per room allocated from a view.
                let ages = Self.sample(#"caa_agent_view_age_seconds_count{app="sim-app",route="default"}"#, in: metrics)
                #expect((ages ?? 0) >= Double(rooms.count), "\(metrics)")
                #expect(metrics.contains(#"caa_agent_view_age_seconds_bucket{app="sim-app",route="default",le="0.5"}"#), "\(metrics)")
            }
        }
    }
}
