import AllocatorService
import ArgumentParser
import Foundation

/// `allocator agents`: every agent Redis knows of, with its load, its limit and where the limit comes from, its
/// pause and its routes, as `GET /v1/agents` shows them.
struct Agents: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the agents with their load, limit, pause and routes from Redis (as GET /v1/agents).")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print the JSON of GET /v1/agents instead of text.")
    var json = false

    func run() async throws {
        let agents = try await AdminReader.load(options).agents()
        print(json ? try Self.json(agents) : Self.text(agents))
    }

    /// `{"agents":[...]}`, keys sorted.
    static func json(_ agents: [AgentEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(["agents": agents]), as: UTF8.self)
    }

    /// One line per agent under a header; a line saying so when Redis knows of none.
    static func text(_ agents: [AgentEntry]) -> String {
        guard !agents.isEmpty else { return "no agent known yet (agents appear once a listing showed them, or hold rooms)" }
        var table = TextTable(header: ["ID", "NAME", "EMAIL", "ONLINE", "LAST SEEN", "LOAD", "LIMIT", "FROM", "PAUSED", "ROUTES"])
        for agent in agents {
            let from = switch agent.limitSource {
            case "route": "route \(agent.limitRoute ?? "?")"
            default: agent.limitSource
            }
            table.rows.append([
                String(agent.id), agent.name ?? "-", agent.email ?? "-", agent.online ? "yes" : "no",
                agent.lastSeenMillisecondsAgo.map { "\(TextTable.age(milliseconds: $0)) ago" } ?? "never",
                String(agent.load), String(agent.limit), from, agent.paused ? "yes" : "no",
                agent.routes.isEmpty ? "-" : agent.routes.joined(separator: ","),
            ])
        }
        return table.text
    }
}
