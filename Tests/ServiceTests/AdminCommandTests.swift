import Allocation
@testable import AllocatorService
import ChildProcess
import Foundation
import Routing
import Testing
import TestSupport

/// `allocator agents` and `allocator queue`: the built binary run against the keys an in-process admin API
/// reads, so the JSON of each verb is held to the API's answer and the text to its table.
@Suite struct AdminCommandTests {
    /// ``AdminRoutesTests/routeTable()`` as a routes file.
    static let routesFile = #"""
    {"routes": [
      {"name": "sales", "match": {"channel_ids": [12], "sources": ["wa"]}, "division_ids": [438], "max_customers_per_agent": 3},
      {"name": "support", "match": {"channel_ids": [20]}, "division_ids": [512]}
    ]}
    """#

    /// A directory with the routes file, where the binary runs (so it reads no `.env` but its own).
    final class Workspace: Sendable {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("admin-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(AdminCommandTests.routesFile.utf8).write(to: directory.appendingPathComponent("routes.json"))
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        /// The variables `allocator serve` would run with over the fixture's keys.
        func environment(_ f: AdminRoutesTests.Fixture) throws -> [String: String] {
            ["REDIS_URL": "redis://127.0.0.1:\(try RedisServerProcess.shared.port)/0", "QISCUS_APP_ID": f.store.keys.app,
             "KEY_PREFIX": f.store.keys.prefix, "ROUTES_FILE": "routes.json", "MAX_CUSTOMERS_PER_AGENT": "2"]
        }

        /// Runs `allocator <arguments>` with only `environment`; its exit code and its output (stdout and stderr).
        func allocator(_ arguments: [String], environment: [String: String]) async throws -> (code: Int32, output: String) {
            let output = directory.appendingPathComponent("output-\(UUID().uuidString)")
            let process = try ChildProcess(try ServiceHarness.allocatorBinary(), arguments, environment: environment,
                                           output: output, directory: directory)
            let code = try await onThread { () -> Int32 in
                guard let code = process.wait(timeout: 30) else {
                    process.signal(SIGKILL)
                    throw TestSupportError("allocator \(arguments.joined(separator: " ")) did not end")
                }
                return code
            }
            return (code, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
        }
    }

    @Test func theRoutesFileIsTheFixturesTable() throws {
        let workspace = try Workspace()
        #expect(try RouteTable.load(path: workspace.directory.appendingPathComponent("routes.json").path)
                    == AdminRoutesTests.routeTable())
    }

    @Test func agentsPrintsWhatGetAgentsAnswers() async throws {
        let f = try AdminRoutesTests.Fixture()
        let workspace = try Workspace()
        try await f.store.run(Remember(cards: [(101, #"{"divisions":[438],"email":"ana@example.com","name":"Ana"}"#)]))
        try await f.reserve("5001", route: "default", agent: 103)
        #expect(try await f.call("PUT", "/v1/agents/104", body: #"{"max_customers":7,"paused":true}"#).status == 200)
        let environment = try workspace.environment(f)

        let json = try await workspace.allocator(["agents", "--json"], environment: environment)
        try #require(json.code == 0, "\(json.output)")
        let printed = try JSONDecoder().decode([String: [AgentEntry]].self, from: Data(json.output.utf8))["agents"] ?? []
        let answered = try await f.agents()
        #expect(printed.map(\.id) == [101, 103, 104])
        for agent in printed {
            let api = try #require(answered[agent.id])
            // Everything but the time since the agent was seen, which went on between the two reads.
            #expect(AgentEntry(id: agent.id, name: agent.name, email: agent.email, online: agent.online,
                              lastSeenMillisecondsAgo: api.lastSeenMillisecondsAgo, load: agent.load, limit: agent.limit,
                              limitSource: agent.limitSource, limitRoute: agent.limitRoute, paused: agent.paused,
                              routes: agent.routes, divisions: agent.divisions) == api)
            #expect((agent.lastSeenMillisecondsAgo == nil) == (api.lastSeenMillisecondsAgo == nil))
        }

        let text = try await workspace.allocator(["agents"], environment: environment)
        try #require(text.code == 0, "\(text.output)")
        let lines = text.output.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        #expect(lines.first == "ID NAME EMAIL ONLINE LAST SEEN LOAD LIMIT FROM PAUSED ROUTES", "\(text.output)")
        #expect(lines.count == 4, "\(text.output)")
        #expect(lines.contains { $0.hasPrefix("101 Ana ana@example.com yes ") && $0.hasSuffix(" ago 0 3 route sales no sales,default") },
                "\(text.output)")
        #expect(lines.contains("103 - - no never 1 2 global no default"), "\(text.output)")
        #expect(lines.contains("104 - - no never 0 7 override yes default"), "\(text.output)")
    }

    @Test func agentsWithNoAgentSaysSo() async throws {
        let f = try AdminRoutesTests.Fixture()
        let workspace = try Workspace()
        let text = try await workspace.allocator(["agents"], environment: try workspace.environment(f))
        #expect(text.code == 0 && text.output.hasPrefix("no agent known yet"), "\(text.output)")
        let json = try await workspace.allocator(["agents", "--json"], environment: try workspace.environment(f))
        #expect(json.code == 0 && (try? JSONDecoder().decode([String: [AgentEntry]].self, from: Data(json.output.utf8))) == ["agents": []],
                "\(json.output)")
    }

    @Test func queuePrintsWhatGetQueueAnswers() async throws {
        let f = try AdminRoutesTests.Fixture()
        let workspace = try Workspace()
        try await f.enqueue("11", route: "sales")
        try await f.enqueue("21", route: "default")
        try await f.enqueue("12", route: "sales")
        let environment = try workspace.environment(f)

        func printed(_ arguments: [String]) async throws -> [QueueEntry] {
            let run = try await workspace.allocator(["queue", "--json"] + arguments, environment: environment)
            try #require(run.code == 0, "\(run.output)")
            return try JSONDecoder().decode([String: [QueueEntry]].self, from: Data(run.output.utf8))["rooms"] ?? []
        }
        func answered(_ query: [String: String]) async throws -> [QueueEntry] {
            let response = try await f.call("GET", "/v1/queue", query: query)
            return try JSONDecoder().decode([String: [QueueEntry]].self, from: response.body)["rooms"] ?? []
        }
        func places(_ rooms: [QueueEntry]) -> [String] {
            rooms.map { "\($0.route) \($0.position) \($0.roomID) \($0.waitingSinceMilliseconds)" }
        }
        let all = try await printed([])
        #expect(places(all) == places(try await answered([:])))
        #expect(all.map(\.roomID) == ["11", "12", "21"])
        #expect(all.allSatisfy { $0.waitedMilliseconds >= 0 })
        #expect(places(try await printed(["--route", "sales", "--limit", "1"])) == places(try await answered(["route": "sales", "limit": "1"])))
        #expect(try await printed(["--route", "sales", "--limit", "1"]).map(\.roomID) == ["11"])
        #expect(try await printed(["--limit", "1"]).map(\.roomID) == ["11", "21"])
        #expect(try await printed(["--route", "support"]).isEmpty)

        let text = try await workspace.allocator(["queue"], environment: environment)
        try #require(text.code == 0, "\(text.output)")
        let lines = text.output.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.count == 4 && lines[0] == "ROUTE POSITION ROOM WAITED", "\(text.output)")
        #expect(lines.dropFirst().map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
                    == ["sales 1 11", "sales 2 12", "default 1 21"], "\(text.output)")
        let empty = try await workspace.allocator(["queue", "--route", "support"], environment: environment)
        #expect(empty.code == 0 && empty.output == "no room waits\n", "\(empty.output)")
    }

    @Test func queueRefusesAnUnknownRouteAndALimitOutOfRange() async throws {
        let f = try AdminRoutesTests.Fixture()
        let workspace = try Workspace()
        let environment = try workspace.environment(f)
        let route = try await workspace.allocator(["queue", "--route", "nope"], environment: environment)
        #expect(route.code == 64 && route.output.contains("sales, support, default"), "\(route.output)")
        for limit in ["0", "1001", "x"] {
            let refused = try await workspace.allocator(["queue", "--limit", limit], environment: environment)
            #expect(refused.code == 64, "--limit \(limit): \(refused.output)")
        }
        var missing = environment
        missing["QISCUS_APP_ID"] = nil
        let unconfigured = try await workspace.allocator(["agents"], environment: missing)
        #expect(unconfigured.code == 78 && unconfigured.output.contains("QISCUS_APP_ID"), "\(unconfigured.output)")
    }
}
