import Allocation
import Qiscus
import Routing

/// The allocation tasks' view of Qiscus: one per instance, shared by every task. A route with divisions lists
/// `by_division` over them; a route without lists `available_agents` for the room. Each candidate carries the
/// limit its routes give it (``RouteTable/limit(agentDivisions:override:globalDefault:listedBy:)``; the admin
/// override is applied inside `reserve.lua`).
struct QiscusGateway: AgentGateway {
    let client: QiscusClient

    var appID: String { client.configuration.appID }
    let routes: RouteTable
    /// `MAX_CUSTOMERS_PER_AGENT`.
    let globalLimit: Int
    let directory: AgentDirectory?
    let health: RouteHealth?

    init(client: QiscusClient, routes: RouteTable = .single, globalLimit: Int = 2, directory: AgentDirectory? = nil,
         health: RouteHealth? = nil) {
        self.client = client
        self.routes = routes
        self.globalLimit = globalLimit
        self.directory = directory
        self.health = health
    }

    func onlineAgents(room: String, route name: String) async throws -> [AgentCandidate] {
        let route = routes.route(named: name) ?? routes.defaultRoute
        let agents = route.usesDivisions ? try await client.agentsByDivision(route.divisionIDs)
            : try await client.onlineAgents(room: room)
        await directory?.note(agents)
        health?.listed(route.name, divisions: route.divisionIDs, count: agents.count)
        return agents.map { agent in
            let listed = Set(agent.divisions.map(\.id))
            let divisions = listed.isEmpty ? directory?.divisions(of: agent.id) : listed
            let limit = routes.limit(agentDivisions: divisions, override: nil, globalDefault: globalLimit, listedBy: route.name)
            return AgentCandidate(id: agent.id, reportedLoad: agent.currentCustomerCount,
                                  limit: limit.source == .global ? nil : limit.value)
        }
    }

    func refreshAgents(room: String?) async {
        var listedWithoutDivisions = false
        for route in routes.routes {
            if !route.usesDivisions {
                // available_agents is the same listing for every route without divisions: once is enough.
                guard room != nil, !listedWithoutDivisions else { continue }
                listedWithoutDivisions = true
            }
            _ = try? await onlineAgents(room: room ?? "", route: route.name)
        }
    }

    func listingCall(of route: String) -> String {
        (routes.route(named: route) ?? routes.defaultRoute).usesDivisions ? "by_division" : "available_agents"
    }

    func agentCounts(room: String) async throws -> [Int: Int] {
        Dictionary(try await client.listedAgents(room: room).map { ($0.id, $0.currentCustomerCount) }) { first, _ in first }
    }

    func assign(room: String, agent: Int) async throws {
        _ = try await client.assign(room: room, agent: agent)
    }

    /// The credential check; then, when routes name divisions, whether Qiscus knows them (logged and shown in
    /// the status; a failure of that listing is not a fault of the service).
    func probe() async throws {
        try await client.probe()
        let named = routes.routes.filter(\.usesDivisions)
        guard !named.isEmpty, let health, let known = try? await client.divisions().map(\.id) else { return }
        for route in named {
            health.unknown(route.name, divisions: route.divisionIDs.filter { !known.contains($0) })
        }
    }
}

extension QiscusError: GatewayFailure {
    /// A 4xx answer: Qiscus refused the call (credentials, rate limit, a refused room), so nothing changed.
    public var refusedWithoutEffect: Bool {
        switch self {
        case .unauthorized, .rateLimited, .rejected: return true
        case .server, .timeout, .unreachable, .invalidResponse, .oversized: return false
        }
    }

    public var retryAfter: Double? {
        if case .rateLimited(let after) = self { return after }
        return nil
    }
}
