import Foundation

/// A `POST /sim/agents` body, read and checked whole before any of it is applied (see
/// `QiscusSimulator.setAgents`). The old body, a bare list of agents, is still taken.
struct AgentsUpdate {
    /// The fields one agent entry sets; nil leaves the agent's value (or the default of a new agent).
    struct AgentFields {
        var id: Int
        var name: String?
        var isAvailable: Bool?
        var forceOffline: Bool?
        var divisions: [Int]?
        var channels: [Int]?
    }

    var agents: [AgentFields] = []
    var divisions: [SimulatorState.SimDivision] = []
    var channels: [(id: Int, name: String)] = []
    var pageCap: Int?

    init(json: Data) throws(SimulatorRefusal) {
        let object = try? JSONSerialization.jsonObject(with: json)
        let agentList: [Any]
        if let list = object as? [Any] {
            agentList = list
        } else if let fields = object as? [String: Any] {
            agentList = try Self.list(fields["agents"], "agents") ?? []
            for item in try Self.list(fields["divisions"], "divisions") ?? [] {
                guard let division = item as? [String: Any], let id = division["id"] as? Int else {
                    throw SimulatorRefusal(message: "each division must be {\"id\":<int>,\"name\":..}")
                }
                divisions.append(.init(id: id, name: division["name"] as? String ?? "Division \(id)",
                                       isDefaultRole: division["is_default_role"] as? Bool ?? false))
            }
            for item in try Self.list(fields["channels"], "channels") ?? [] {
                guard let channel = item as? [String: Any], let id = channel["id"] as? Int else {
                    throw SimulatorRefusal(message: "each channel must be {\"id\":<int>,\"name\":..}")
                }
                channels.append((id, channel["name"] as? String ?? "Channel \(id)"))
            }
            if let cap = fields["page_cap"] {
                guard let cap = cap as? Int, cap > 0 else { throw SimulatorRefusal(message: "page_cap must be a positive integer") }
                pageCap = cap
            }
        } else {
            throw SimulatorRefusal(message: "expected a JSON array of agents, or an object with agents, divisions, "
                                   + "channels and page_cap")
        }
        for item in agentList {
            // As before: an entry without an integer id is skipped.
            guard let fields = item as? [String: Any], let id = fields["id"] as? Int else { continue }
            agents.append(AgentFields(
                id: id, name: fields["name"] as? String, isAvailable: fields["is_available"] as? Bool,
                forceOffline: fields["force_offline"] as? Bool,
                divisions: try Self.ids(fields["divisions"], "divisions of agent \(id)"),
                channels: try Self.ids(fields["channels"], "channels of agent \(id)")))
        }
    }

    func apply(to state: inout SimulatorState) {
        for division in divisions { state.setDivision(division) }
        for channel in channels { state.channelNames[channel.id] = channel.name }
        if let pageCap { state.configuration.pageCap = pageCap }
        for fields in agents {
            var agent = state.agents.first { $0.id == fields.id }
                ?? .init(id: fields.id, name: "Agent \(fields.id)", isAvailable: true, forceOffline: false)
            if let name = fields.name { agent.name = name }
            if let available = fields.isAvailable { agent.isAvailable = available }
            if let offline = fields.forceOffline { agent.forceOffline = offline }
            if let divisions = fields.divisions { agent.divisions = divisions }
            if let channels = fields.channels { agent.channels = channels }
            for id in agent.divisions where !state.divisions.contains(where: { $0.id == id }) {
                state.setDivision(.init(id: id, name: "Division \(id)"))
            }
            if let index = state.agents.firstIndex(where: { $0.id == fields.id }) {
                state.agents[index] = agent
            } else {
                state.agents.append(agent)
            }
        }
    }

    /// A JSON array field, nil when absent.
    private static func list(_ value: Any?, _ field: String) throws(SimulatorRefusal) -> [Any]? {
        guard let value else { return nil }
        guard let list = value as? [Any] else { throw SimulatorRefusal(message: "\(field) must be a list") }
        return list
    }

    /// A JSON array of integer ids, nil when absent.
    private static func ids(_ value: Any?, _ field: String) throws(SimulatorRefusal) -> [Int]? {
        guard let list = try list(value, field) else { return nil }
        var ids: [Int] = []
        for item in list {
            guard let id = item as? Int else { throw SimulatorRefusal(message: "\(field) must be a list of integer ids") }
            ids.append(id)
        }
        return ids
    }
}
