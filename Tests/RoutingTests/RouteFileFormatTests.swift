import Foundation
import Routing
import Testing

/// JSON and YAML, the format by extension, syntax errors, the fingerprint and the documented examples.
@Suite struct RouteFileFormatTests {
    static let json = #"""
    {"routes": [
      {"name": "sales", "match": {"channel_ids": [12, 13], "sources": ["wa"]}, "division_ids": [438],
       "max_customers_per_agent": 3, "overflow": {"route": "pool", "after_seconds": 120}},
      {"name": "pool", "division_ids": [600]}
    ]}
    """#

    static let yaml = """
    # the same routes, spaced and commented otherwise
    routes:
      - name: sales     # WhatsApp sales
        overflow:
          after_seconds: 120
          route: pool
        max_customers_per_agent: 3
        division_ids:
          - 438
        match: {sources: [wa], channel_ids: [12, 13]}

      - division_ids: [600]
        name: pool
    """

    @Test func jsonAndYAMLOfTheSameRoutesAreTheSameTable() throws {
        let fromJSON = try RouteFiles.table(Self.json)
        let fromYAML = try RouteFiles.table(Self.yaml, format: .yaml, fileName: "routes.yaml")
        #expect(fromJSON == fromYAML)
        #expect(fromJSON.fingerprint == fromYAML.fingerprint)
        #expect(fromJSON.fingerprint.count == 64)
        #expect(fromJSON.fingerprint.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(fromJSON.routes[0] == Route(
            name: "sales", match: RouteMatch(channelIDs: [12, 13], sources: ["wa"]), divisionIDs: [438],
            maxCustomersPerAgent: 3, overflow: RouteOverflow(route: "pool", afterSeconds: 120)))
    }

    @Test func theFingerprintFollowsTheRoutesOnly() throws {
        let base = try RouteFiles.table(Self.json)
        // Another value, another fingerprint.
        let other = try RouteFiles.table(Self.json.replacingOccurrences(of: "120", with: "121"))
        #expect(other.fingerprint != base.fingerprint)
        // An explicit default as the implicit one, and a match with neither list as none.
        let explicit = try RouteFiles.table(Self.json.replacingOccurrences(
            of: #"{"name": "pool", "division_ids": [600]}"#,
            with: #"{"name": "pool", "division_ids": [600], "match": {"sources": []}}, {"name": "default"}"#))
        #expect(explicit.fingerprint == base.fingerprint)
        #expect(try RouteFiles.table(#"{"routes": []}"#).fingerprint == RouteTable.single.fingerprint)
        #expect(RouteTable.single.fingerprint != base.fingerprint)
    }

    @Test(arguments: [
        ("routes.json", RouteFileFormat.json), ("/etc/caa/routes.JSON", .json), ("routes.yaml", .yaml),
        ("conf/routes.yml", .yaml), ("routes", .jsonOrYAML), ("routes.txt", .jsonOrYAML),
        ("conf.json/routes", .jsonOrYAML), (".yaml", .jsonOrYAML),
    ])
    func theExtensionChoosesTheFormat(path: String, format: RouteFileFormat) {
        #expect(RouteFileFormat(path: path) == format)
    }

    @Test func withoutAKnownExtensionJSONIsTriedThenYAML() throws {
        #expect(try RouteFiles.table(Self.json, format: .jsonOrYAML) == RouteFiles.table(Self.json))
        #expect(try RouteFiles.table(Self.yaml, format: .jsonOrYAML) == RouteFiles.table(Self.json))
        // JSON that parses but breaks a rule is refused as it is, not read again as YAML.
        let typo = try #require(RouteFiles.refusal(RouteFiles.json(#"{"name": "a", "max_customer_per_agent": 1}"#),
                                                   format: .jsonOrYAML))
        #expect(typo.field == "max_customer_per_agent")
        let neither = try #require(RouteFiles.refusal("routes: [ {name: a", format: .jsonOrYAML, fileName: "routes"))
        #expect(neither.description.hasPrefix("ROUTES_FILE routes: not valid JSON or YAML (as YAML: line "), "\(neither)")
        #expect(!neither.description.contains("\n"))
    }

    @Test func aSyntaxErrorIsOneLineWithItsPlace() throws {
        let json = try #require(RouteFiles.refusal("{\"routes\": [\n{\"name\": \"a\"\n]}"))
        #expect(json.route == nil && json.field == nil)
        #expect(json.problem.hasPrefix("not valid JSON: ") && json.problem.contains("character"), "\(json)")
        #expect(!json.description.contains("\n"), "\(json)")

        let yaml = try #require(RouteFiles.refusal("routes:\n  - name: a\n   bad: [\n", format: .yaml, fileName: "r.yaml"))
        #expect(yaml.description.hasPrefix("ROUTES_FILE r.yaml: not valid YAML: line "), "\(yaml)")
        #expect(!yaml.description.contains("\n"), "\(yaml)")

        let duplicate = try #require(RouteFiles.refusal("routes:\n  - name: a\n    name: b\n", format: .yaml))
        #expect(duplicate.problem.hasPrefix("not valid YAML: "), "\(duplicate)")

        for empty in ["", "# only a comment\n"] {
            let error = try #require(RouteFiles.refusal(empty, format: .yaml))
            #expect(error.problem == #"must hold an object with a "routes" list"#, "\(error)")
        }
    }

    @Test func loadReadsAFileAndNamesAMissingOne() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-routes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("routes.yml")
        try Self.yaml.write(to: file, atomically: true, encoding: .utf8)
        #expect(try RouteTable.load(path: file.path) == RouteFiles.table(Self.json))

        let missing = directory.appendingPathComponent("nosuch.yaml").path
        let error = #expect(throws: RouteFileError.self) { try RouteTable.load(path: missing) }
        #expect(error?.file == missing)
        #expect(error?.description == "ROUTES_FILE \(missing): can not be read: No such file or directory")
        #expect(error?.description.contains("\n") == false)
    }

    /// docs/routes.example.yaml, and the same routes as JSON in docs/routes.md.
    @Test func theDocumentedExamplesLoad() throws {
        let example = try RouteTable.load(path: RouteFiles.package.appendingPathComponent("docs/routes.example.yaml").path)
        #expect(example.names == ["sales", "support", "pool", "default"])
        #expect(example.route(channelID: 12, source: "wa").name == "sales")
        #expect(example.route(channelID: 12, source: "ig").name == "default")
        #expect(example.route(channelID: 20, source: "ig").name == "support")
        #expect(example.route(named: "support")?.overflow == RouteOverflow(route: "pool", afterSeconds: 120))
        #expect(example.route(named: "pool")?.match == nil)
        #expect(example.routes.allSatisfy { $0.name == "default" || $0.usesDivisions })

        let doc = try String(contentsOf: RouteFiles.package.appendingPathComponent("docs/routes.md"), encoding: .utf8)
        let block = try #require(doc.components(separatedBy: "```json\n").dropFirst().first?
            .components(separatedBy: "```").first)
        #expect(try RouteFiles.table(block).fingerprint == example.fingerprint)
    }
}
