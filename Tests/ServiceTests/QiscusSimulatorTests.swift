import Foundation
import HTTPClient
import Qiscus
import QiscusSimulator
import Testing
import TestSupport

/// The simulator's divisions, agents by division, and channels, over HTTP as the service sees them.
@Suite struct QiscusSimulatorTests {
    typealias Fixture = QiscusClientTests.Fixture

    static let credentials = [("Qiscus-App-Id", "sim-app"), ("Qiscus-Secret-Key", "sim-secret")]

    /// A GET of the fake API with the simulator's credentials unless `headers` are given.
    static func get(_ fixture: Fixture, _ path: String, _ query: [(String, String)] = [],
                    headers: [(String, String)] = credentials) throws -> HTTPClientResponse {
        try HTTPClient().perform(HTTPClientRequest(url: fixture.baseURL + path, query: query, headers: headers))
    }

    /// Page `page` of agents by division of `divisions`, decoded; requires a 200.
    static func byDivision(_ fixture: Fixture, _ divisions: [Int], page: Int = 1, limit: Int = 50,
                           extra: [(String, String)] = [("is_available", "true")]) throws -> AgentsByDivisionPage {
        let query = divisions.map { ("division_ids[]", String($0)) } + extra + [("page", String(page)), ("limit", String(limit))]
        let response = try get(fixture, "/api/v2/admin/agents/by_division", query)
        try #require(response.status == 200, "\(response.status) \(response.text)")
        return try JSONDecoder().decode(AgentsByDivisionPage.self, from: response.body)
    }

    static let fiveSalesAgents = #"{"page_cap":2,"divisions":[{"id":438,"name":"Sales"}],"agents":["#
        + #"{"id":1,"divisions":[438]},{"id":2,"divisions":[438]},{"id":3,"divisions":[438]},"#
        + #"{"id":4,"divisions":[438]},{"id":5,"divisions":[438]},{"id":6,"divisions":[439]}]}"#

    // MARK: - Agents by division

    @Test func pagesAreCappedAndMetaCountsThem() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            try fixture.control("/sim/agents", Self.fiveSalesAgents)

            let pages = try (1...4).map { try Self.byDivision(fixture, [438], page: $0) }
            #expect(pages.map { $0.data.map(\.id) } == [[1, 2], [3, 4], [5], []], "a page past the last is empty")
            for (index, page) in pages.enumerated() {
                #expect(page.meta == .init(limit: 2, page: index + 1, total: 5, totalPage: 3), "limit=50 asked, 2 served")
            }
            let small = try Self.byDivision(fixture, [438], limit: 1)
            #expect(small.meta == .init(limit: 1, page: 1, total: 5, totalPage: 5), "a limit under the cap is kept")

            try fixture.control("/sim/faults", #"{"page_cap":50}"#)
            #expect(try Self.byDivision(fixture, [438]).meta == .init(limit: 50, page: 1, total: 5, totalPage: 1))
            let descending = try Self.byDivision(fixture, [438], extra: [("sort", "desc")])
            #expect(descending.data.map(\.id) == [5, 4, 3, 2, 1])
            let none = try Self.byDivision(fixture, [999])
            #expect(none.data.isEmpty && none.meta == .init(limit: 50, page: 1, total: 0, totalPage: 0))
            #expect(fixture.simulator.stats().byDivisionCalls == 8)
            #expect(fixture.simulator.report().byDivisionCalls == 8)
        }
    }

    @Test func agentsListTheirDivisionsAndChannelsByName() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        let response = try await onThread {
            try fixture.control("/sim/agents", #"{"divisions":[{"id":438,"name":"Sales"},{"id":439,"name":"Support"}],"#
                                + #""channels":[{"id":12,"name":"WhatsApp Sales"}],"#
                                + #""agents":[{"id":7,"name":"Budi","divisions":[438,439,500],"channels":[12,20]}]}"#)
            return try Self.get(fixture, "/api/v2/admin/agents/by_division", [("division_ids[]", "439")])
        }
        let object = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        let agent = try #require((object["data"] as? [[String: Any]])?.first)
        #expect(agent["name"] as? String == "Budi")
        #expect(agent["user_roles"] as? [NSDictionary] == [["id": 438, "name": "Sales"], ["id": 439, "name": "Support"],
                                                            ["id": 500, "name": "Division 500"]])
        #expect(agent["user_channels"] as? [NSDictionary] == [["id": 12, "name": "WhatsApp Sales"],
                                                               ["id": 20, "name": "Channel 20"]])
        #expect(agent["current_customer_count"] as? Int == 0)
        #expect(object["status"] as? Int == 200)

        let listed = try await fixture.client().listedAgents(room: "1")
        #expect(listed.first?.divisions.map(\.name) == ["Sales", "Support", "Division 500"],
                "available_agents lists the divisions too")
    }

    @Test func isAvailableKeepsAvailableAgentsAndForcedOfflineOnesStayListed() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            try fixture.control("/sim/agents", #"[{"id":1,"divisions":[438]},{"id":2,"divisions":[438],"is_available":false},"#
                                + #"{"id":3,"divisions":[438],"force_offline":true}]"#)
            #expect(try Self.byDivision(fixture, [438]).data.map(\.id) == [1, 3])
            #expect(try Self.byDivision(fixture, [438], extra: []).data.map(\.id) == [1, 2, 3], "no filter asked")
        }
    }

    @Test func divisionIDsAndCredentialsAreRequired() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            for query in [[("page", "1")], [("division_ids[]", "x")], [("division_ids[]", "438"), ("division_ids[]", "")],
                          [("division_ids", "438")]] {
                let response = try Self.get(fixture, "/api/v2/admin/agents/by_division", query)
                #expect(response.status == 400, "\(query)")
                #expect(response.text.contains("division_ids[]"))
            }
            let wrong = [("Qiscus-App-Id", "sim-app"), ("Qiscus-Secret-Key", "nope")]
            #expect(try Self.get(fixture, "/api/v2/admin/agents/by_division", [("division_ids[]", "1")], headers: wrong).status == 401)
            #expect(try Self.get(fixture, "/api/v2/divisions", headers: wrong).status == 401)
            let stats = fixture.simulator.stats()
            #expect(stats.byDivisionCalls == 5 && stats.divisionsCalls == 1 && stats.apiCalls == 6)
        }
    }

    @Test func faultsAndLatencyApplyToTheNewEndpoints() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            try fixture.control("/sim/faults", #"{"rate_limit_rate":1.0}"#)
            let limited = try Self.get(fixture, "/api/v2/admin/agents/by_division", [("division_ids[]", "1")])
            #expect(limited.status == 429 && limited.header("Retry-After") == "1")
            #expect(try Self.get(fixture, "/api/v2/divisions").status == 429)
            try fixture.control("/sim/faults", #"{"rate_limit_rate":0.0,"server_error_rate":1.0}"#)
            #expect(try Self.get(fixture, "/api/v2/admin/agents/by_division", [("division_ids[]", "1")]).status == 500)
            try fixture.control("/sim/faults", #"{"server_error_rate":0.0,"latency_ms":200}"#)
            let started = Date()
            #expect(try Self.get(fixture, "/api/v2/divisions").status == 200)
            #expect(Date().timeIntervalSince(started) >= 0.2)
        }
    }

    @Test func currentCustomerCountLagsAsInAvailableAgents() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try await onThread { try fixture.control("/sim/agents", #"[{"id":1,"divisions":[438]}]"#) }
        let client = fixture.client()
        #expect(try await client.assign(room: "5", agent: 1) == .assigned)
        #expect(try await onThread { try Self.byDivision(fixture, [438]).data.first?.currentCustomerCount } == 1)
        try await onThread { try fixture.control("/sim/faults", #"{"count_lag_ms":60000}"#) }
        #expect(try await client.assign(room: "6", agent: 1) == .assigned)
        #expect(try await onThread { try Self.byDivision(fixture, [438]).data.first?.currentCustomerCount } == 1,
                "the second room is not seen yet")
        #expect(fixture.simulator.report().loads["1"] == 2)
    }

    // MARK: - Divisions and the agents endpoint

    @Test func divisionsAreListedInTheOrderSet() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            try fixture.control("/sim/agents", #"{"divisions":[{"id":439,"name":"Support"},{"id":1,"name":"Agent","is_default_role":true}]}"#)
            try fixture.control("/sim/agents", #"{"divisions":[{"id":439,"name":"Customer Care"}],"agents":[{"id":5,"divisions":[438]}]}"#)
            let response = try Self.get(fixture, "/api/v2/divisions")
            #expect(response.text == #"{"data":[{"id":439,"is_default_role":false,"name":"Customer Care"},"#
                    + #"{"id":1,"is_default_role":true,"name":"Agent"},{"id":438,"is_default_role":false,"name":"Division 438"}],"#
                    + #""meta":{"limit":3,"page":1,"total":3,"total_page":1},"status":200}"#)
        }
    }

    @Test func theOldAgentsPayloadStillWorksAndKeepsDivisions() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 2)
            defer { inBackground { fixture.stop() } }
            try fixture.control("/sim/agents", #"[{"id":150001,"divisions":[438]},{"id":150002,"divisions":[438,439]}]"#)
            try fixture.control("/sim/agents", #"[{"id":150001,"is_available":false},{"name":"no id, skipped"}]"#)
            #expect(try Self.byDivision(fixture, [438], extra: []).data.map { [$0.id, $0.divisions.count] }
                    == [[150_001, 1], [150_002, 2]], "an update without divisions keeps them")
            #expect(try Self.byDivision(fixture, [438]).data.map(\.id) == [150_002])
            try fixture.control("/sim/agents", #"{"agents":[{"id":150002,"divisions":[]}]}"#)
            #expect(try Self.byDivision(fixture, [438, 439], extra: []).data.map(\.id) == [150_001], "divisions are replaced")
        }
    }

    @Test func malformedAgentsPayloadsAreRefusedWhole() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            for body in [#"{"agents":[{"id":1,"divisions":[438]}],"divisions":[{"name":"no id"}]}"#,
                         #"[{"id":1,"divisions":[438]},{"id":2,"divisions":"438"}]"#,
                         #"[{"id":1,"divisions":["438"]}]"#, #"{"page_cap":0}"#, #"{"channels":{"id":1}}"#, #""agents""#] {
                let response = try HTTPClient().perform(HTTPClientRequest(method: "POST", url: fixture.baseURL + "/sim/agents",
                                                                          body: .json(Data(body.utf8))))
                #expect(response.status == 400, "\(body)")
            }
            #expect(try Self.byDivision(fixture, [438], extra: []).data.isEmpty, "nothing of a refused body was applied")
        }
    }

    @Test func configurationWrittenBeforePageCapDecodes() async throws {
        try await onThread {
            let old = try JSONDecoder().decode(SimulatorConfiguration.self, from: Data(#"{"app_id":"a","latency_ms":3}"#.utf8))
            #expect(old == SimulatorConfiguration(appID: "a", latencyMilliseconds: 3))
            #expect(old.pageCap == 50)
            let current = SimulatorConfiguration(pageCap: 20)
            #expect(try JSONDecoder().decode(SimulatorConfiguration.self, from: JSONEncoder().encode(current)) == current)
        }
    }

    // MARK: - Webhooks

    @Test func allocationWebhookCarriesSourceAndTheRoomsChannel() async throws {
        try await onThread {
            let simulator = QiscusSimulator()
            let plain = try JSONDecoder().decode(AllocationWebhook.self, from: simulator.allocationWebhook(room: "1"))
            #expect(plain.source == "qiscus" && plain.channel == nil)
            let raw = try #require(try JSONSerialization.jsonObject(with: simulator.allocationWebhook(room: "1")) as? [String: Any])
            #expect(raw["channel"] == nil, "no channel key at all, as older apps send")

            let whatsApp = SimulatedChannel(id: 12, name: "WhatsApp Sales", source: "wa")
            let first = try JSONDecoder().decode(AllocationWebhook.self,
                                                 from: simulator.allocationWebhook(room: "2", channel: whatsApp))
            #expect(first.source == "wa" && first.channel == Channel(id: 12, name: "WhatsApp Sales", source: "wa"))
            let later = try JSONDecoder().decode(AllocationWebhook.self, from: simulator.allocationWebhook(room: "2"))
            #expect(later.channelID == 12 && later.source == "wa", "the room stays in its channel")
            let sourceOnly = try JSONDecoder().decode(AllocationWebhook.self,
                                                      from: simulator.allocationWebhook(room: "3", source: "ig"))
            #expect(sourceOnly.source == "ig" && sourceOnly.channel == nil)
            #expect(try JSONDecoder().decode(AllocationWebhook.self, from: simulator.allocationWebhook(room: "1")).source == "qiscus")
        }
    }

    @Test func customerMessagesMayNameTheirChannel() async throws {
        try await onThread {
            let fixture = try Fixture(agents: 0)
            defer { inBackground { fixture.stop() } }
            func message(_ json: String) throws -> HTTPClientResponse {
                try HTTPClient().perform(HTTPClientRequest(method: "POST", url: fixture.baseURL + "/sim/message",
                                                           body: .json(Data(json.utf8))))
            }
            let named = try message(#"{"room_id":"7","source":"wa","channel":{"id":12,"name":"WhatsApp Sales"}}"#)
            let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: named.body)
            #expect(webhook.source == "wa" && webhook.channel == Channel(id: 12, name: "WhatsApp Sales", source: "wa"))
            let again = try JSONDecoder().decode(AllocationWebhook.self, from: message(#"{"room_id":"7"}"#).body)
            #expect(again.channelID == 12)
            let bare = try JSONDecoder().decode(AllocationWebhook.self, from: message(#"{"room_id":"8","channel":{"id":3}}"#).body)
            #expect(bare.channel == Channel(id: 3, name: "Channel 3", source: "qiscus") && bare.source == "qiscus")
            for bad in [#"{"room_id":"9","channel":"wa"}"#, #"{"room_id":"9","channel":{"name":"x"}}"#] {
                #expect(try message(bad).status == 400, "\(bad)")
            }
        }
    }

    @Test func theLocalStackPlaysCustomersFromAChannel() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 0, agents: 0)
            defer { harness.stop() }
            let channel = SimulatedChannel(id: 12, name: "WhatsApp Sales", source: "wa")
            let first = try JSONDecoder().decode(AllocationWebhook.self, from: harness.customerMessage(room: "31", channel: channel))
            #expect(first.source == "wa" && first.channel == Channel(id: 12, name: "WhatsApp Sales", source: "wa"))
            let next = try JSONDecoder().decode(AllocationWebhook.self, from: harness.customerMessage(room: "31"))
            #expect(next.channelID == 12)
            let other = try JSONDecoder().decode(AllocationWebhook.self, from: harness.customerMessage(room: "32", source: "ig"))
            #expect(other.source == "ig" && other.channel == nil)
            #expect(try harness.simulatorStats().byDivisionCalls == 0)
        }
    }
}
