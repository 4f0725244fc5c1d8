import Foundation
import HTTPClient
import QiscusSimulator

/// The routes of `allocator demo`: WhatsApp Sales (channel 12) goes to the Sales division, Instagram to the
/// Support division, everything else (web chat) to `default` over every online agent. Agent 5 is in both
/// divisions: one load and one limit across both routes.
enum DemoRoutes {
    static let sales = SimulatedChannel(id: 12, name: "WhatsApp Sales", source: "wa")
    static let instagram = SimulatedChannel(id: 20, name: "Instagram", source: "ig")

    /// The routes file (YAML) the demo's service reads.
    static let file = """
        # allocator demo: two routes and the implicit default
        routes:
          - name: sales
            match: {channel_ids: [12]}
            division_ids: [438]
          - name: support
            match: {sources: [ig]}
            division_ids: [439]
        """

    /// Division ids of each of the demo's agents (by position): two in Sales, two in Support, one in both,
    /// the rest in none (they serve `default` only).
    static func divisions(ofAgent index: Int) -> [Int] {
        switch index {
        case 0, 1: [438]
        case 2, 3: [439]
        case 4: [438, 439]
        default: []
        }
    }

    /// The route a room of the demo takes (rooms take turns: WhatsApp Sales, Instagram, web chat).
    static func route(ofRoom index: Int) -> String { ["sales", "support", "default"][index % 3] }

    /// The source and channel of a room's webhooks.
    static func origin(ofRoom index: Int) -> (source: String, channel: SimulatedChannel?) {
        switch index % 3 {
        case 0: ("wa", sales)
        case 1: ("ig", instagram)
        default: ("qiscus", nil)
        }
    }

    /// Writes the routes file into a fresh temporary directory and returns its path.
    static func writeFile() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-demo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("routes.yaml").path
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Gives the simulator's agents their divisions (through its control endpoint, as an operator would).
    static func configure(simulatorURL: String, agents: Int) throws {
        let list = (0..<agents).map { index -> [String: Any] in
            ["id": 150_001 + index, "name": "Agent \(index + 1)", "divisions": divisions(ofAgent: index)]
        }
        let body = try JSONSerialization.data(withJSONObject: [
            "agents": list, "divisions": [["id": 438, "name": "Sales"], ["id": 439, "name": "Support"]],
            "channels": [["id": 12, "name": "WhatsApp Sales"], ["id": 20, "name": "Instagram"]],
        ])
        let response = try HTTPClient().perform(HTTPClientRequest(method: "POST", url: simulatorURL + "/sim/agents", body: .json(body)))
        guard response.status == 200 else { throw ToolError("the simulator refused the demo's agents: HTTP \(response.status)") }
    }

    /// Whether an agent (by id) may serve a room of the route.
    static func serves(agent: Int, route: String) -> Bool {
        let divisions = divisions(ofAgent: agent - 150_001)
        switch route {
        case "sales": return divisions.contains(438)
        case "support": return divisions.contains(439)
        default: return true
        }
    }
}
