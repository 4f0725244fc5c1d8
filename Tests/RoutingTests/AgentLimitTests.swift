import Routing
import Testing

/// `RouteTable.limit`: the override, else the smallest limit among the routes the agent serves, else the global one.
@Suite struct AgentLimitTests {
    static let table = try! RouteFiles.table(RouteFiles.json(
        #"{"name": "sales", "match": {"sources": ["wa"]}, "division_ids": [438], "max_customers_per_agent": 3}"#,
        #"{"name": "support", "match": {"sources": ["ig"]}, "division_ids": [512]}"#,
        #"{"name": "pool", "division_ids": [600, 438], "max_customers_per_agent": 5}"#,
        #"{"name": "vip", "division_ids": [700], "max_customers_per_agent": 1}"#,
        #"{"name": "night", "division_ids": [700], "max_customers_per_agent": 1}"#
    ))

    static let cases: [(divisions: Set<Int>?, override: Int?, listedBy: String?, expected: AgentLimit)] = [
        // Its own override wins over everything.
        ([438], 7, nil, AgentLimit(value: 7, source: .override)),
        (nil, 9, "sales", AgentLimit(value: 9, source: .override)),
        // The smallest limit among the routes it serves.
        ([438], nil, nil, AgentLimit(value: 3, source: .route("sales"))),
        ([600], nil, nil, AgentLimit(value: 5, source: .route("pool"))),
        ([600, 438], nil, nil, AgentLimit(value: 3, source: .route("sales"))),
        // A tie goes to the first in file order.
        ([700], nil, nil, AgentLimit(value: 1, source: .route("vip"))),
        // Routes without a limit leave the global one; so does serving no route with divisions.
        ([512], nil, nil, AgentLimit(value: 2, source: .global)),
        ([], nil, nil, AgentLimit(value: 2, source: .global)),
        ([999], nil, nil, AgentLimit(value: 2, source: .global)),
        // Divisions unknown: the routes without divisions, plus the route whose listing returned the agent.
        (nil, nil, nil, AgentLimit(value: 2, source: .global)),
        (nil, nil, "pool", AgentLimit(value: 5, source: .route("pool"))),
        (nil, nil, "sales", AgentLimit(value: 3, source: .route("sales"))),
        (nil, nil, "support", AgentLimit(value: 2, source: .global)),
        (nil, nil, "nosuch", AgentLimit(value: 2, source: .global)),
        // listedBy only stands in for unknown divisions.
        ([512], nil, "sales", AgentLimit(value: 2, source: .global)),
    ]

    @Test(arguments: cases)
    func theLimitAndItsSource(divisions: Set<Int>?, override: Int?, listedBy: String?, expected: AgentLimit) {
        #expect(Self.table.limit(agentDivisions: divisions, override: override, globalDefault: 2,
                                 listedBy: listedBy) == expected)
    }

    @Test func aRouteLimitAboveTheGlobalOneStillApplies() {
        #expect(Self.table.limit(agentDivisions: [600], override: nil, globalDefault: 4, listedBy: nil)
                    == AgentLimit(value: 5, source: .route("pool")))
    }

    @Test func aRouteWithoutDivisionsLimitsEveryAgent() throws {
        let table = try RouteFiles.table(RouteFiles.json(
            #"{"name": "sales", "match": {"sources": ["wa"]}, "division_ids": [438], "max_customers_per_agent": 3}"#,
            #"{"name": "pool", "division_ids": [600], "max_customers_per_agent": 6}"#,
            #"{"name": "default", "max_customers_per_agent": 4}"#
        ))
        func limit(_ divisions: Set<Int>?, _ listedBy: String? = nil) -> AgentLimit {
            table.limit(agentDivisions: divisions, override: nil, globalDefault: 2, listedBy: listedBy)
        }
        #expect(limit([600]) == AgentLimit(value: 4, source: .route("default")))
        #expect(limit([438]) == AgentLimit(value: 3, source: .route("sales")))
        #expect(limit([]) == AgentLimit(value: 4, source: .route("default")))
        #expect(limit(nil) == AgentLimit(value: 4, source: .route("default")))
        #expect(limit(nil, "sales") == AgentLimit(value: 3, source: .route("sales")))
        #expect(limit(nil, "pool") == AgentLimit(value: 4, source: .route("default")))
    }

    @Test func theRoutesAnAgentServes() {
        #expect(Self.table.routes(servedByAgentIn: [438]).map(\.name) == ["sales", "pool", "default"])
        #expect(Self.table.routes(servedByAgentIn: [512, 700]).map(\.name) == ["support", "vip", "night", "default"])
        #expect(Self.table.routes(servedByAgentIn: []).map(\.name) == ["default"])
        #expect(Self.table.routes(servedByAgentIn: nil).map(\.name) == ["default"], "unknown: routes without divisions")
        #expect(RouteTable.single.routes(servedByAgentIn: [1]).map(\.name) == ["default"])
    }
}
