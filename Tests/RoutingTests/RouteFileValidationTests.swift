import Routing
import Testing

/// Every check of a routes file: a refused file is refused whole, with one line naming the file, the route
/// (by name, else by place) and the field.
@Suite struct RouteFileValidationTests {
    typealias Reference = RouteFileError.RouteReference

    /// One route, `sales`, with `fields` after its name.
    static func sales(_ fields: String) -> String {
        RouteFiles.json(#"{"name": "sales", "#
            + fields + "}", #"{"name": "pool", "division_ids": [600]}"#)
    }

    static let refused: [(file: String, route: Reference?, field: String?, problem: String)] = [
        // The file.
        ("[]", nil, nil, "must hold an object"),
        ("{}", nil, "routes", "is missing"),
        (#"{"routes": null}"#, nil, "routes", "is missing"),
        (#"{"routes": {"name": "sales"}}"#, nil, "routes", "must be a list"),
        (#"{"routes": [], "route": []}"#, nil, "route", "is not a known field (known: routes)"),
        (RouteFiles.json(Array(repeating: #"{"name": "x"}"#, count: 65).enumerated()
            .map { #"{"name": "r\#($0.offset)"}"# }.joined(separator: ", ")), nil, "routes", "has 65 routes; at most 64"),
        // A route without a usable name is named by its place.
        (RouteFiles.json(#"{"name": "ok"}"#, "1"), .position(2), nil, "must be an object"),
        (RouteFiles.json(#"{"match": {"sources": ["wa"]}}"#), .position(1), "name", "is missing"),
        (RouteFiles.json(#"{"name": 5}"#), .position(1), "name", "must be text"),
        (RouteFiles.json(#"{"name": ["sales"]}"#), .position(1), "name", "must be text"),
        // The name.
        (RouteFiles.json(#"{"name": "Sales"}"#), .named("Sales"), "name", "must be 1-32 characters"),
        (RouteFiles.json(#"{"name": ""}"#), .named(""), "name", "must be 1-32 characters"),
        (RouteFiles.json(#"{"name": "-sales"}"#), .named("-sales"), "name", "must be 1-32 characters"),
        (RouteFiles.json(#"{"name": "sales team"}"#), .named("sales team"), "name", "must be 1-32 characters"),
        (RouteFiles.json(#"{"name": "s2345678901234567890123456789012x"}"#), .named("s2345678901234567890123456789012x"),
         "name", "must be 1-32 characters"),
        (RouteFiles.json(#"{"name": "sales"}"#, #"{"name": "pool"}"#, #"{"name": "sales"}"#), .named("sales"), "name",
         "is also the name of route #1"),
        // Unknown fields, at every level (a misspelt one must not be ignored).
        (sales(#""max_customer_per_agent": 3"#), .named("sales"), "max_customer_per_agent",
         "is not a known field (known: name, match, division_ids, max_customers_per_agent, overflow)"),
        (sales(#""match": {"channel_id": [12]}"#), .named("sales"), "match.channel_id",
         "is not a known field (known: channel_ids, sources)"),
        (sales(#""overflow": {"route": "pool", "after": 60}"#), .named("sales"), "overflow.after",
         "is not a known field (known: route, after_seconds)"),
        (sales(#""Division Ids": [1]"#), .named("sales"), #""Division Ids""#, "is not a known field"),
        // match.
        (sales(#""match": ["wa"]"#), .named("sales"), "match", "must be an object"),
        (sales(#""match": {"channel_ids": 12}"#), .named("sales"), "match.channel_ids",
         "must be a list of positive whole numbers"),
        (sales(#""match": {"channel_ids": ["12"]}"#), .named("sales"), "match.channel_ids",
         "must be a list of positive whole numbers"),
        (sales(#""match": {"channel_ids": [12, 0]}"#), .named("sales"), "match.channel_ids",
         "must be a list of positive whole numbers, got 0"),
        (sales(#""match": {"channel_ids": [-3]}"#), .named("sales"), "match.channel_ids",
         "must be a list of positive whole numbers, got -3"),
        (sales(#""match": {"sources": "wa"}"#), .named("sales"), "match.sources", "must be a list of non-empty texts"),
        (sales(#""match": {"sources": [1]}"#), .named("sales"), "match.sources", "must be a list of non-empty texts"),
        (sales(#""match": {"sources": ["wa", ""]}"#), .named("sales"), "match.sources",
         #"must be a list of non-empty texts, got """#),
        // division_ids.
        (sales(#""division_ids": 438"#), .named("sales"), "division_ids", "must be a list of positive whole numbers"),
        (sales(#""division_ids": [1.5]"#), .named("sales"), "division_ids", "must be a list of positive whole numbers"),
        (sales(#""division_ids": [0]"#), .named("sales"), "division_ids",
         "must be a list of positive whole numbers, got 0"),
        // max_customers_per_agent.
        (sales(#""max_customers_per_agent": 0"#), .named("sales"), "max_customers_per_agent",
         "must be a whole number in 1...10000, got 0"),
        (sales(#""max_customers_per_agent": 10001"#), .named("sales"), "max_customers_per_agent",
         "must be a whole number in 1...10000, got 10001"),
        (sales(#""max_customers_per_agent": "3""#), .named("sales"), "max_customers_per_agent",
         "must be a whole number in 1...10000"),
        (sales(#""max_customers_per_agent": 2.5"#), .named("sales"), "max_customers_per_agent",
         "must be a whole number in 1...10000"),
        // overflow.
        (sales(#""overflow": "pool""#), .named("sales"), "overflow", "must be an object"),
        (sales(#""overflow": {"after_seconds": 60}"#), .named("sales"), "overflow.route", "is missing"),
        (sales(#""overflow": {"route": 3, "after_seconds": 60}"#), .named("sales"), "overflow.route",
         "must be the name of another route"),
        (sales(#""overflow": {"route": "pol", "after_seconds": 60}"#), .named("sales"), "overflow.route",
         #""pol" is not a route"#),
        (sales(#""overflow": {"route": "sales", "after_seconds": 60}"#), .named("sales"), "overflow.route",
         "can not be the route itself"),
        (sales(#""overflow": {"route": "pool"}"#), .named("sales"), "overflow.after_seconds", "is missing"),
        (sales(#""overflow": {"route": "pool", "after_seconds": -1}"#), .named("sales"), "overflow.after_seconds",
         "must be a whole number of seconds in 0...86400, got -1"),
        (sales(#""overflow": {"route": "pool", "after_seconds": 86401}"#), .named("sales"), "overflow.after_seconds",
         "must be a whole number of seconds in 0...86400, got 86401"),
        (sales(#""overflow": {"route": "pool", "after_seconds": "120"}"#), .named("sales"), "overflow.after_seconds",
         "must be a whole number of seconds in 0...86400"),
        // The default route takes what no other route matches: it may not match itself.
        (RouteFiles.json(#"{"name": "default", "match": {"sources": ["wa"]}}"#), .named("default"), "match",
         "is refused on the default route"),
        (RouteFiles.json(#"{"name": "default", "match": {}}"#), .named("default"), "match",
         "is refused on the default route"),
    ]

    @Test(arguments: refused)
    func aBadFileIsRefusedNamingTheRouteAndTheField(file: String, route: Reference?, field: String?, problem: String) throws {
        let error = try #require(RouteFiles.refusal(file), "must be refused: \(file.prefix(200))")
        #expect(error.route == route, "\(error)")
        #expect(error.field == field, "\(error)")
        #expect(error.problem.hasPrefix(problem), "\(error)")
        #expect(error.file == "routes.json")
        #expect(error.description.hasPrefix("ROUTES_FILE routes.json: "), "\(error)")
        #expect(error.description == "ROUTES_FILE \(error.detail)")
        #expect(!error.description.contains("\n"), "one line: \(error)")
        // The same file written as YAML (JSON is YAML) is refused alike.
        if !Self.onlyJSONRefusesTheKind(problem) {
            #expect(RouteFiles.refusal(file, format: .yaml, fileName: "routes.json") == error)
        }
    }

    /// YAML reads `"3"` and `3` alike as text, so text where a number belongs is refused in YAML too but a
    /// number where text belongs is not; only the kind of the value differs there.
    static func onlyJSONRefusesTheKind(_ problem: String) -> Bool {
        ["must be text", "must be a list of non-empty texts", "must be the name of another route"].contains(problem)
            || problem.hasPrefix("must be a whole number") && !problem.contains("got")
            || problem == "must be a list of positive whole numbers"
    }

    @Test func theErrorLineOfTheContract() throws {
        let yaml = """
        routes:
          - name: sales
            match: {channel_ids: [12, 13], sources: [wa]}
            overflow: {route: pol, after_seconds: 120}
          - name: pool
        """
        let error = try #require(RouteFiles.refusal(yaml, format: .yaml, fileName: "routes.yaml"))
        #expect(error.description == #"ROUTES_FILE routes.yaml: route "sales": overflow.route "pol" is not a route"#)
    }

    @Test func anOddNameIsQuotedOnOneLine() throws {
        let error = try #require(RouteFiles.refusal(RouteFiles.json(#"{"name": "a\"b\nc"}"#)))
        #expect(error.description == #"ROUTES_FILE routes.json: route "a\"b\nc": name must be 1-32 characters of a-z, 0-9, _ and -, the first a letter or digit"#)
    }

    @Test func theEdgesOfEveryRangeAreTaken() throws {
        let table = try RouteFiles.table(RouteFiles.json(
            #"{"name": "a", "max_customers_per_agent": 1, "overflow": {"route": "default", "after_seconds": 0}}"#,
            #"{"name": "b-2_", "max_customers_per_agent": 10000, "overflow": {"route": "a", "after_seconds": 86400}}"#,
            #"{"name": "s2345678901234567890123456789012", "division_ids": [1, 9223372036854775807]}"#,
            #"{"name": "0", "match": null, "division_ids": null, "max_customers_per_agent": null, "overflow": null}"#
        ))
        #expect(table.names == ["a", "b-2_", "s2345678901234567890123456789012", "0", "default"])
        #expect(table.route(named: "0") == Route(name: "0"), "null is absent")
        #expect(table.route(named: "a")?.overflow == RouteOverflow(route: "default", afterSeconds: 0))
    }

    @Test func sixtyFourRoutesAreTaken() throws {
        let routes = (0..<64).map { #"{"name": "r\#($0)"}"# }
        #expect(try RouteFiles.table("{\"routes\": [\(routes.joined(separator: ","))]}").routes.count == 65)
    }

    @Test func routesInCodeAreRefusedAlike() {
        let cases: [([Route], String?)] = [
            ([Route(name: "a", match: RouteMatch(channelIDs: [0]))], "match.channel_ids"),
            ([Route(name: "a", overflow: RouteOverflow(route: "b", afterSeconds: 1))], "overflow.route"),
            ([Route(name: "default", match: RouteMatch(sources: ["wa"]))], "match"),
            (Array(repeating: Route(name: "a"), count: 2), "name"),
        ]
        for (routes, field) in cases {
            let error = #expect(throws: RouteFileError.self) { try RouteTable(routes: routes) }
            #expect(error?.field == field)
            #expect(error?.file == "(routes in code)")
        }
    }
}
