import Foundation
import HTTPClient
import HTTPServer
import Synchronization

/// A faithful stand-in for the Qiscus Omnichannel admin API endpoints the service calls (available agents,
/// agents by division, divisions, assign), with the same paths, shapes, status codes and header check; it
/// holds agents and their divisions, records every assign, every bot message (`POST /{app id}/bot`) and the
/// highest load each agent ever reached, lags
/// `current_customer_count`, injects faults, and produces the webhooks Qiscus would send. Control endpoints
/// live under `/sim/`. Used by the tests, the demo and `allocator simulate`.
public final class QiscusSimulator: Sendable {
    let state: Mutex<SimulatorState>
    /// Where to POST the webhooks it produces (`…/webhooks/allocate`, `…/webhooks/resolve`), if anywhere.
    public let allocateWebhookURL: String?
    public let resolveWebhookURL: String?

    public init(configuration: SimulatorConfiguration = SimulatorConfiguration(), agents: Int = 0,
                allocateWebhookURL: String? = nil, resolveWebhookURL: String? = nil) {
        var initial = SimulatorState(configuration: configuration)
        initial.agents = (0..<agents).map {
            .init(id: 150_001 + $0, name: "Agent \($0 + 1)", isAvailable: true, forceOffline: false)
        }
        state = Mutex(initial)
        self.allocateWebhookURL = allocateWebhookURL
        self.resolveWebhookURL = resolveWebhookURL
    }

    /// The routes of the fake API and of its control endpoints.
    public var router: Router {
        var router = Router()
        router.on("GET", "/api/v2/admin/service/available_agents") { [self] in
            api($0, counting: \.availableAgentsCalls, availableAgents)
        }
        router.on("GET", "/api/v2/admin/agents/by_division") { [self] in
            api($0, counting: \.byDivisionCalls, agentsByDivision)
        }
        router.on("GET", "/api/v2/divisions") { [self] in api($0, counting: \.divisionsCalls, divisions) }
        router.on("POST", "/api/v1/admin/service/assign_agent") { [self] in api($0, counting: \.assignCalls, assignAgent) }
        router.on("POST", "/\(state.withLock { $0.configuration.appID })/bot") { [self] in api($0, counting: \.botCalls, bot) }
        router.on("GET", "/sim/messages") { [self] _ in .json(["messages": botMessages()]) }
        router.on("GET", "/sim/state") { [self] _ in .json(report()) }
        router.on("GET", "/sim/stats") { [self] _ in .json(stats()) }
        router.on("POST", "/sim/agents") { [self] in setAgents($0) }
        router.on("POST", "/sim/faults") { [self] in setFaults($0) }
        router.on("POST", "/sim/message") { [self] in message($0) }
        router.on("POST", "/sim/resolve") { [self] in resolve($0) }
        return router
    }

    // MARK: - API

    /// Header check and fault injection around an API endpoint; every call counts in `apiCalls`, and in
    /// `counter` when given.
    private func api(_ request: ServerRequest, counting counter: WritableKeyPath<SimulatorState, Int>? = nil,
                     _ handler: (ServerRequest) -> ServerResponse) -> ServerResponse {
        let (configuration, roll) = state.withLock { state -> (SimulatorConfiguration, Double) in
            state.apiCalls += 1
            if let counter { state[keyPath: counter] += 1 }
            return (state.configuration, Double.random(in: 0..<1))
        }
        if configuration.latencyMilliseconds > 0 { usleep(UInt32(configuration.latencyMilliseconds) * 1000) }
        guard request.header("Qiscus-App-Id") == configuration.appID,
              request.header("Qiscus-Secret-Key") == configuration.secretKey else {
            return .json(["status": "401", "errors": "Unauthorized"], status: 401)
        }
        if roll < configuration.rateLimitRate {
            var response = ServerResponse.json(["status": "429", "errors": "Too Many Requests"], status: 429)
            response.headers.append(("Retry-After", "1"))
            return response
        }
        if roll < configuration.rateLimitRate + configuration.serverErrorRate {
            return .json(["status": "500", "errors": "Internal Server Error"], status: 500)
        }
        if roll < configuration.rateLimitRate + configuration.serverErrorRate + configuration.hangRate {
            usleep(UInt32(configuration.hangMilliseconds) * 1000)
        }
        return handler(request)
    }

    /// `GET /api/v2/admin/service/available_agents?room_id=1&limit=100&cursor_after=..`: the agents in listing
    /// order, a page at a time. A page holds `limit` agents (20 when not asked), at most 100 and at most the
    /// configured `pageCap`; `meta.per_page` is the size actually used and `meta.after` the cursor of the next
    /// page (null on the last).
    private func availableAgents(_ request: ServerRequest) -> ServerResponse {
        guard let room = request.query["room_id"], !room.isEmpty else {
            return .json(["status": "400", "errors": "room_id is required"], status: 400)
        }
        let asked = max(1, min(Int(request.query["limit"] ?? "") ?? 20, 100))
        let after = request.query["cursor_after"].flatMap { Data(base64Encoded: $0) }
            .flatMap { Int(String(decoding: $0, as: UTF8.self)) }
        let now = Date()
        // Built as text: JSONSerialization cost ~16 M instructions per listing of 20 agents (callgrind), which
        // made the simulator, not the service, the bottleneck of `make bench`.
        let (agents, last, total, more, limit): ([String], Int?, Int, Bool, Int) = state.withLock { state in
            let limit = min(asked, max(1, state.configuration.pageCap))
            let start = after.flatMap { id in state.agents.firstIndex { $0.id == id }.map { $0 + 1 } } ?? 0
            let slice = state.agents.dropFirst(start).prefix(limit)
            let agents = slice.map { agent in
                Self.agentJSON(agent, extra: ",\"current_customer_count\":\(state.reportedLoad(of: agent.id, now: now))"
                               + ",\"avatar_url\":null" + Self.membershipJSON(agent, in: state))
            }
            return (agents, slice.last?.id, state.agents.count, start + slice.count < state.agents.count, limit)
        }
        let cursor = more ? JSONText.string(Data(String(last ?? 0).utf8).base64EncodedString()) : "null"
        return Self.json(text: "{\"data\":{\"agents\":[\(agents.joined(separator: ","))]},\"meta\":{\"after\":\(cursor),"
                         + "\"before\":null,\"per_page\":\(limit),\"total_count\":\(total)},\"status\":200}")
    }

    /// An agent object as Qiscus lists it; `extra` adds fields (each starting with a comma).
    static func agentJSON(_ agent: SimulatorState.SimAgent, extra: String = "") -> String {
        "{\"email\":\"agent\(agent.id)@example.com\",\"force_offline\":\(agent.forceOffline),\"id\":\(agent.id),"
            + "\"is_available\":\(agent.isAvailable),\"name\":\(JSONText.string(agent.name)),\"type\":2,"
            + "\"type_as_string\":\"agent\"\(extra)}"
    }

    private func assignAgent(_ request: ServerRequest) -> ServerResponse {
        let form = ServerRequest.formFields(request.body)
        guard let room = form["room_id"], !room.isEmpty, let agentID = form["agent_id"].flatMap({ Int($0) }) else {
            return .json(["status": "400", "errors": "room_id and agent_id are required"], status: 400)
        }
        let maxAgent = form["max_agent"].flatMap { Int($0) }
        let result: Result<(SimulatorState.SimAgent, Int64), SimulatorRefusal> = state.withLock { state in
            guard let agent = state.agents.first(where: { $0.id == agentID }) else {
                return .failure(SimulatorRefusal(message: "Agent not found"))
            }
            if let current = state.roomAgent[room] {
                if current == agentID { return .success((agent, state.serviceID(of: room))) }
                state.conflicts += 1
                if maxAgent == 1 { return .failure(SimulatorRefusal(message: "Cant join room, exceed max agents")) }
            }
            let service = state.serviceID(of: room)
            state.roomAgent[room] = agentID
            state.changeLoad(of: agentID, by: 1, at: Date())
            let load = state.load(of: agentID)
            state.maxLoad[agentID] = max(state.maxLoad[agentID] ?? 0, load)
            state.assigns.append(AssignRecord(room: room, agent: agentID, service: service, loadAfter: load,
                                              at: Date().timeIntervalSince1970))
            return .success((agent, service))
        }
        switch result {
        case .failure(let refusal):
            return Self.json(["errors": refusal.message, "status": 400], status: 400)
        case .success(let (agent, service)):
            return Self.json(text: "{\"data\":{\"added_agent\":\(Self.agentJSON(agent)),\"service\":{\"id\":\(service),"
                             + "\"is_resolved\":false,\"room_id\":\(JSONText.string(room)),\"source\":\"qiscus\"}},\"status\":200}")
        }
    }

    // MARK: - Control

    /// Counters only, cheap to poll while thousands of assigns pile up (`GET /sim/stats`).
    public func stats() -> SimulatorStats {
        state.withLock { state in
            SimulatorStats(assignCount: state.assigns.count, lastAssignAt: state.assigns.last?.at,
                           apiCalls: state.apiCalls, conflicts: state.conflicts,
                           byDivisionCalls: state.byDivisionCalls, divisionsCalls: state.divisionsCalls,
                           availableAgentsCalls: state.availableAgentsCalls, assignCalls: state.assignCalls,
                           botCalls: state.botCalls, messageCount: state.botMessages.count)
        }
    }

    /// What happened so far.
    public func report() -> SimulatorReport {
        state.withLock { state in
            let loads = Dictionary(uniqueKeysWithValues: state.loads.filter { $0.value > 0 }.map { (String($0), $1) })
            return SimulatorReport(assigns: state.assigns, loads: loads,
                                   maxLoads: Dictionary(uniqueKeysWithValues: state.maxLoad.map { (String($0), $1) }),
                                   rooms: state.roomAgent, apiCalls: state.apiCalls, conflicts: state.conflicts,
                                   byDivisionCalls: state.byDivisionCalls, divisionsCalls: state.divisionsCalls,
                                   availableAgentsCalls: state.availableAgentsCalls, assignCalls: state.assignCalls,
                                   botCalls: state.botCalls, messages: state.botMessages)
        }
    }

    /// `POST /sim/agents`: replaces or updates agents by id (new ids are appended in order). The body is
    /// either the list of agents, `[{"id":1,"name":"..","is_available":true,"force_offline":false,
    /// "divisions":[438,439],"channels":[12]}]` (every field but the id optional; `divisions` and `channels`
    /// replace the agent's), or an object
    /// `{"agents":[...],"divisions":[{"id":438,"name":"Sales","is_default_role":false}],
    /// "channels":[{"id":12,"name":"WhatsApp Sales"}],"page_cap":20}` whose fields are all optional. A
    /// division or channel an agent names but no list does gets the name "Division <id>" / "Channel <id>".
    private func setAgents(_ request: ServerRequest) -> ServerResponse {
        let update: AgentsUpdate
        do {
            update = try AgentsUpdate(json: request.body)
        } catch {
            return .error(400, code: "bad_request", message: error.message)
        }
        state.withLock { update.apply(to: &$0) }
        return .json(["status": "ok"])
    }

    /// `POST /sim/faults` with any fields of ``SimulatorConfiguration`` but the app id (a new `secret_key` is a
    /// key rotated in the Qiscus dashboard: calls with the old one get 401).
    private func setFaults(_ request: ServerRequest) -> ServerResponse {
        guard let fields = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] else {
            return .error(400, code: "bad_request", message: "expected a JSON object")
        }
        state.withLock { state in
            var c = state.configuration
            if let v = fields["latency_ms"] as? Int { c.latencyMilliseconds = v }
            if let v = fields["rate_limit_rate"] as? Double { c.rateLimitRate = v }
            if let v = fields["server_error_rate"] as? Double { c.serverErrorRate = v }
            if let v = fields["hang_rate"] as? Double { c.hangRate = v }
            if let v = fields["hang_ms"] as? Int { c.hangMilliseconds = v }
            if let v = fields["count_lag_ms"] as? Int { c.countLagMilliseconds = v }
            if let v = fields["secret_key"] as? String { c.secretKey = v }
            if let v = fields["page_cap"] as? Int { c.pageCap = v }
            if let v = (fields["bot_fault"] as? String).flatMap(SimulatorConfiguration.BotFault.init(rawValue:)) { c.botFault = v }
            state.configuration = c
        }
        return .json(["status": "ok"])
    }

    /// `POST /sim/message {"room_id":"1"}`: a customer writes. Returns the allocation webhook Qiscus would
    /// send for the room (and POSTs it to `allocateWebhookURL` when set). Optional `"source":"wa"` and
    /// `"channel":{"id":12,"name":"WhatsApp Sales","source":"wa"}` (name and source optional) say where the
    /// customer writes from; see ``allocationWebhook(room:source:channel:)``.
    private func message(_ request: ServerRequest) -> ServerResponse {
        guard let room = Self.roomID(request.body) else {
            return .error(400, code: "bad_request", message: "expected {\"room_id\":\"<digits>\"}")
        }
        let object = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        let source = object["source"] as? String
        var channel: SimulatedChannel?
        if let value = object["channel"] {
            guard let fields = value as? [String: Any], let id = fields["id"] as? Int else {
                return .error(400, code: "bad_request", message: "channel must be {\"id\":<int>,\"name\":..,\"source\":..}")
            }
            channel = SimulatedChannel(id: id, name: fields["name"] as? String ?? "Channel \(id)",
                                       source: fields["source"] as? String ?? source ?? "qiscus")
        }
        let body = allocationWebhook(room: room, source: source, channel: channel)
        return Self.forward(body, to: allocateWebhookURL)
    }

    /// The allocation webhook body for a room's current session, with `source` and, when known, `channel`
    /// as newer Qiscus apps send them. A room keeps the origin it was last given: with neither `source` nor
    /// `channel`, the room's earlier ones are used, else `"source":"qiscus"` and no channel. `source`
    /// defaults to the channel's.
    public func allocationWebhook(room: String, source: String? = nil, channel: SimulatedChannel? = nil) -> Data {
        let (appID, previous, origin) = state.withLock { state in
            if source != nil || channel != nil {
                state.roomOrigin[room] = (source ?? channel?.source ?? "qiscus", channel)
            }
            return (state.configuration.appID, state.lastResolved[room], state.roomOrigin[room])
        }
        let latest: Any = previous.map { ["id": $0, "room_id": room, "is_resolved": true] as [String: Any] } ?? NSNull()
        var body: [String: Any] = [
            "app_id": appID, "source": origin?.source ?? "qiscus", "name": "Customer \(room)",
            "email": "customer\(room)@example.com", "avatar_url": NSNull(), "extras": "{}", "is_new_session": true,
            "is_resolved": previous != nil, "latest_service": latest, "room_id": room, "candidate_agent": NSNull(),
        ]
        if let channel = origin?.channel {
            body["channel"] = ["id": channel.id, "name": channel.name, "source": channel.source] as [String: Any]
        }
        return Self.encode(body)
    }

    /// `POST /sim/resolve {"room_id":"1"}`: an agent (or admin) resolves the room. Frees its agent in the
    /// simulator, starts a new service for its next session, and returns the mark-as-resolved webhook (also
    /// POSTed to `resolveWebhookURL` when set). 404 when the room has no open service.
    private func resolve(_ request: ServerRequest) -> ServerResponse {
        guard let room = Self.roomID(request.body) else {
            return .error(400, code: "bad_request", message: "expected {\"room_id\":\"<digits>\"}")
        }
        guard let body = resolveWebhook(room: room) else {
            return .error(404, code: "not_found", message: "room \(room) has no open service")
        }
        return Self.forward(body, to: resolveWebhookURL)
    }

    /// Resolves the room's open service and returns the webhook body, or nil when there is none.
    public func resolveWebhook(room: String) -> Data? {
        let resolved: (Int64, Int?)? = state.withLock { state in
            guard let service = state.service[room] else { return nil }
            let agent = state.roomAgent.removeValue(forKey: room)
            if let agent { state.changeLoad(of: agent, by: -1, at: Date()) }
            state.service[room] = nil
            state.lastResolved[room] = service
            return (service, agent)
        }
        guard let (service, agent) = resolved else { return nil }
        return Self.encode([
            "customer": ["user_id": "customer\(room)@example.com", "name": "Customer \(room)", "avatar": NSNull(),
                         "additional_info": [Any]()],
            "resolved_by": ["id": agent ?? 1, "email": "agent\(agent ?? 1)@example.com", "name": "Agent",
                            "is_available": true, "type": "agent"],
            "service": ["id": service, "room_id": room, "is_resolved": true, "first_comment_id": "1",
                        "last_comment_id": "2", "notes": NSNull(), "source": "qiscus"],
        ])
    }

    // MARK: - Helpers

    private static func forward(_ body: Data, to url: String?) -> ServerResponse {
        guard let url else {
            return ServerResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
        }
        do {
            let response = try HTTPClient().perform(HTTPClientRequest(method: "POST", url: url, body: .json(body)))
            return ServerResponse(status: response.status, headers: [("Content-Type", "application/json")],
                                  body: response.body)
        } catch {
            return .error(502, code: "forward_failed", message: "\(error)")
        }
    }

    private static func roomID(_ body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let room = object["room_id"] as? String, !room.isEmpty, room.allSatisfy(\.isASCIIDigit) else { return nil }
        return room
    }

    static func encode(_ object: Any) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    static func json(text: String, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: Data(text.utf8))
    }

    static func json(_ object: Any, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", "application/json")], body: encode(object))
    }
}

/// A 400 answer of the fake API.
struct SimulatorRefusal: Error {
    let message: String
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
