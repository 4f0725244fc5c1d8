import Foundation
import HTTPServer

extension QiscusSimulator {
    /// `GET /api/v2/admin/agents/by_division?division_ids[]=438&division_ids[]=439&is_available=true&page=1
    /// &limit=50&sort=asc`: the agents in any of the divisions (each once, in listing order; `sort=desc`
    /// reverses it), `is_available=true` keeping only available agents (forced-offline ones stay listed, as in
    /// Qiscus). Pages are numbered from 1 and hold `limit` agents, capped at the configured `pageCap` whatever
    /// was asked; `meta` is `{limit, page, total, total_page}` with the limit actually used. 400 without any
    /// `division_ids[]` or with one that is not an integer.
    func agentsByDivision(_ request: ServerRequest) -> ServerResponse {
        let raw = request.queryValues("division_ids[]")
        let ids = Set(raw.compactMap { Int($0) })
        guard !raw.isEmpty, raw.allSatisfy({ Int($0) != nil }) else {
            return Self.json(["status": 400, "errors": "division_ids[] is required (integer ids)"], status: 400)
        }
        let availableOnly = ["true", "1"].contains(request.query["is_available"] ?? "")
        let page = max(1, Int(request.query["page"] ?? "") ?? 1)
        let asked = Int(request.query["limit"] ?? "")
        let descending = request.query["sort"] == "desc"
        let now = Date()
        return state.withLock { state in
            let cap = max(1, state.configuration.pageCap)
            let limit = min(max(1, asked ?? cap), cap)
            var matching = state.agents.filter {
                !ids.isDisjoint(with: $0.divisions) && (!availableOnly || $0.isAvailable)
            }
            if descending { matching.reverse() }
            let totalPages = (matching.count + limit - 1) / limit
            let slice = page <= totalPages ? Array(matching.dropFirst((page - 1) * limit).prefix(limit)) : []
            let agents = slice.map { agent in
                Self.agentJSON(agent, extra: ",\"current_customer_count\":\(state.reportedLoad(of: agent.id, now: now))"
                               + ",\"avatar_url\":null" + Self.membershipJSON(agent, in: state))
            }
            return Self.json(text: "{\"data\":[\(agents.joined(separator: ","))],\"meta\":{\"limit\":\(limit),"
                             + "\"page\":\(page),\"total\":\(matching.count),\"total_page\":\(totalPages)},\"status\":200}")
        }
    }

    /// `GET /api/v2/divisions`: every division, in the order they were set.
    func divisions(_ request: ServerRequest) -> ServerResponse {
        let divisions = state.withLock { $0.divisions }
        let data = divisions.map {
            "{\"id\":\($0.id),\"is_default_role\":\($0.isDefaultRole),\"name\":\(JSONText.string($0.name))}"
        }
        return Self.json(text: "{\"data\":[\(data.joined(separator: ","))],\"meta\":{\"limit\":\(divisions.count),"
                         + "\"page\":1,\"total\":\(divisions.count),\"total_page\":1},\"status\":200}")
    }

    /// `,"user_roles":[{"id":438,"name":"Sales"}],"user_channels":[{"id":12,"name":"WhatsApp Sales"}]`.
    static func membershipJSON(_ agent: SimulatorState.SimAgent, in state: SimulatorState) -> String {
        let roles = agent.divisions.map { "{\"id\":\($0),\"name\":\(JSONText.string(state.divisionName($0)))}" }
        let channels = agent.channels.map { "{\"id\":\($0),\"name\":\(JSONText.string(state.channelName($0)))}" }
        return ",\"user_roles\":[\(roles.joined(separator: ","))],\"user_channels\":[\(channels.joined(separator: ","))]"
    }
}
