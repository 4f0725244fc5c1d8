import Foundation
import HTTPClient
import Qiscus
import QiscusSimulator
import Testing
import TestSupport

/// The simulator's listing of available agents (its page cap) and its per-endpoint call counters, which
/// `allocator bench` divides by the rooms served.
@Suite struct SimulatorListingTests {
    typealias Fixture = QiscusClientTests.Fixture

    @Test func availableAgentsAndAssignCallsAreCountedApart() async throws {
        let fixture = try Fixture(agents: 8)
        defer { inBackground { fixture.stop() } }
        let client = fixture.client(pageSize: 3)
        #expect(try await client.listedAgents(room: "1").count == 8, "three pages of at most 3")
        #expect(try await client.assign(room: "1", agent: 150_001) == .assigned)
        #expect(try await client.assign(room: "1", agent: 150_002) == .alreadyAssigned, "a refused assign counts too")
        _ = await QiscusClientTests.failure { try await client.assign(room: "2", agent: 9) }

        let stats = fixture.simulator.stats()
        #expect(stats.availableAgentsCalls == 3 && stats.assignCalls == 3)
        #expect(stats.byDivisionCalls == 0 && stats.divisionsCalls == 0 && stats.apiCalls == 6)
        let report = fixture.simulator.report()
        #expect(report.availableAgentsCalls == 3 && report.assignCalls == 3)

        for path in ["/sim/stats", "/sim/state"] {
            let body = try await onThread { try QiscusSimulatorTests.get(fixture, path).body }
            let served = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(served["available_agents_calls"] as? Int == 3 && served["assign_calls"] as? Int == 3, "\(path)")
        }
    }

    @Test func countersMissingFromAnOlderSimulatorDecodeAsZero() throws {
        let stats = try JSONDecoder().decode(SimulatorStats.self, from: Data(
            #"{"assign_count":4,"api_calls":9,"conflicts":0,"by_division_calls":2}"#.utf8))
        #expect(stats.availableAgentsCalls == 0 && stats.assignCalls == 0 && stats.byDivisionCalls == 2)
        let report = try JSONDecoder().decode(SimulatorReport.self, from: Data(
            #"{"assigns":[],"loads":{},"max_loads":{},"rooms":{},"api_calls":9,"conflicts":0}"#.utf8))
        #expect(report.availableAgentsCalls == 0 && report.assignCalls == 0 && report.apiCalls == 9)
    }

    @Test func availableAgentsPagesAreCappedByPageCap() async throws {
        let fixture = try Fixture(agents: 120)
        defer { inBackground { fixture.stop() } }
        try await onThread { try fixture.control("/sim/faults", #"{"page_cap":50}"#) }

        let agents = try await fixture.client(pageSize: 100).listedAgents(room: "7")
        #expect(agents.map(\.id) == Array(150_001...150_120), "every agent once, in listing order")
        #expect(fixture.simulator.stats().availableAgentsCalls == 3, "120 agents in pages of 50 (100 asked): 50, 50, 20")

        let page = try await onThread {
            try QiscusSimulatorTests.get(fixture, "/api/v2/admin/service/available_agents",
                                         [("room_id", "7"), ("limit", "100")]).body
        }
        let decoded = try JSONDecoder().decode(AvailableAgentsPage.self, from: page)
        #expect(decoded.data.agents.count == 50 && decoded.meta?.perPage == 50 && decoded.meta?.totalCount == 120)
        #expect(decoded.meta?.after != nil)

        try await onThread { try fixture.control("/sim/faults", #"{"page_cap":500}"#) }
        let uncapped = try await fixture.client(pageSize: 100).listedAgents(room: "7")
        #expect(uncapped.count == 120)
        #expect(fixture.simulator.stats().availableAgentsCalls == 6, "a cap above 100 leaves the 100 limit: 100, 20")
    }
}
