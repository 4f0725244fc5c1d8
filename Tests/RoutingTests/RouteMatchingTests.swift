import Routing
import Testing

/// `RouteTable.route(channelID:source:)`: the first matching route in file order, else `default`.
@Suite struct RouteMatchingTests {
    static let table = try! RouteFiles.table(RouteFiles.json(
        #"{"name": "sales", "match": {"channel_ids": [12, 13], "sources": ["wa"]}}"#,
        #"{"name": "wa", "match": {"sources": ["wa"]}}"#,
        #"{"name": "chan12", "match": {"channel_ids": [12]}}"#,
        #"{"name": "pool", "division_ids": [600]}"#,
        #"{"name": "empty", "match": {}}"#,
        #"{"name": "emptylists", "match": {"channel_ids": [], "sources": []}}"#
    ))

    @Test(arguments: [
        (12, "wa", "sales"), (13, "wa", "sales"),
        // Both lists must agree: channel 12 from Instagram is not sales, but chan12.
        (12, "ig", "chan12"),
        // An absent channel list agrees with any channel, and with none.
        (99, "wa", "wa"),
        // Sources are compared exactly.
        (99, "WA", "default"), (99, "wa ", "default"),
        (99, "ig", "default"),
    ] as [(Int, String, String)])
    func theFirstMatchingRouteTakesTheWebhook(channel: Int, source: String, route: String) {
        #expect(Self.table.route(channelID: channel, source: source).name == route)
    }

    @Test func anUnknownChannelOrSourceAgreesOnlyWithAnEmptyList() {
        #expect(Self.table.route(channelID: nil, source: "wa").name == "wa")
        #expect(Self.table.route(channelID: 12, source: nil).name == "chan12")
        #expect(Self.table.route(channelID: nil, source: nil).name == "default")
    }

    @Test func aRouteWithoutListsNeverMatches() throws {
        for name in ["pool", "empty", "emptylists"] {
            let route = try #require(Self.table.route(named: name))
            #expect(route.match == nil, "a match with neither list is dropped: \(name)")
            #expect(!route.matches(channelID: 12, source: "wa"))
            #expect(!route.matches(channelID: nil, source: nil))
        }
        #expect(!RouteMatch().matches(channelID: 1, source: "wa"), "neither list: nothing")
    }

    @Test func defaultIsImplicitAndLastWhenNotWritten() {
        #expect(Self.table.names == ["sales", "wa", "chan12", "pool", "empty", "emptylists", "default"])
        #expect(Self.table.defaultRoute == Route(name: "default"))
        #expect(Self.table.route(named: "default") == Self.table.defaultRoute)
        #expect(Self.table.route(named: "nosuch") == nil)
    }

    @Test func aWrittenDefaultKeepsItsPlaceAndItsFields() throws {
        let table = try RouteFiles.table(RouteFiles.json(
            #"{"name": "default", "division_ids": [7], "max_customers_per_agent": 4, "overflow": {"route": "pool", "after_seconds": 60}}"#,
            #"{"name": "pool"}"#,
            #"{"name": "sales", "match": {"sources": ["wa"]}}"#
        ))
        #expect(table.names == ["default", "pool", "sales"])
        #expect(table.defaultRoute == Route(name: "default", divisionIDs: [7], maxCustomersPerAgent: 4,
                                            overflow: RouteOverflow(route: "pool", afterSeconds: 60)))
        #expect(table.defaultRoute.usesDivisions)
        #expect(table.route(channelID: 1, source: "wa").name == "sales", "default is tried last, wherever written")
        #expect(table.route(channelID: 1, source: "ig").name == "default")
    }

    @Test func theSingleTableIsTodaysBehaviour() throws {
        let single = RouteTable.single
        #expect(single.names == [RouteTable.defaultName])
        #expect(!single.defaultRoute.usesDivisions)
        #expect(single.defaultRoute.maxCustomersPerAgent == nil)
        #expect(single.route(channelID: 12, source: "wa").name == "default")
        #expect(try RouteFiles.table(#"{"routes": []}"#) == single, "an empty list is default only")
    }

    @Test func routesBuiltInCodeAreCheckedLikeAFile() throws {
        let table = try RouteTable(routes: [Route(name: "sales", match: RouteMatch(sources: ["wa"]), divisionIDs: [1])])
        #expect(table.names == ["sales", "default"])
        #expect(table.route(channelID: nil, source: "wa").usesDivisions)
        let error = #expect(throws: RouteFileError.self) {
            try RouteTable(routes: [Route(name: "Sales")], fileName: "code")
        }
        #expect(error?.route == .named("Sales"))
        #expect(error?.field == "name")
    }
}
