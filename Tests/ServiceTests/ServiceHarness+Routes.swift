import Foundation
import HTTPClient
import QiscusSimulator
import TestSupport

/// What the routes tests add to the harness: agents in divisions, routes files, the admin API with its token,
/// the Redis keys of the simulator's app, and the answers they read.
extension ServiceHarness {
    /// `ADMIN_TOKEN` of the routes tests' instances.
    static let adminToken = "e2e-admin-4f1d8c2b6a9e"

    /// The Redis key `caa:{sim-app}:<name>`.
    static func key(_ name: String) -> String { "caa:{sim-app}:\(name)" }

    /// Writes a routes file into the stack's directory; returns its path.
    func writeRoutes(_ text: String, named name: String = "routes.yaml") throws -> String {
        let file = directory.appendingPathComponent(name)
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    /// Sets the simulator's agents: each id with its divisions (none: an agent only `available_agents` lists).
    /// An admin API call to an instance, with the admin token unless another (or none) is given.
    func admin(_ method: String, _ path: String, body: String? = nil, instance: Int = 0,
               token: String? = ServiceHarness.adminToken, client: HTTPClient = HTTPClient()) throws -> HTTPClientResponse {
        try client.perform(HTTPClientRequest(method: method, url: instanceURLs[instance] + path,
                                             headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [],
                                             body: body.map { .json(Data($0.utf8)) } ?? .none))
    }

    /// `GET /v1/agents` of an instance, by agent id.
    func adminAgents(instance: Int = 0) throws -> [Int: AdminAgent] {
        let response = try admin("GET", "/v1/agents", instance: instance)
        guard response.status == 200 else { throw TestSupportError("GET /v1/agents: \(response.status) \(response.text)") }
        let agents = try JSONDecoder().decode(AdminAgents.self, from: response.body).agents
        return Dictionary(uniqueKeysWithValues: agents.map { ($0.id, $0) })
    }

    /// `GET /v1/status` of an instance (with the admin token).
    func routedStatus(instance: Int = 0) throws -> StatusBody {
        try JSONDecoder().decode(StatusBody.self, from: admin("GET", "/v1/status", instance: instance).body)
    }

    /// Sends a customer message of `room` from `origin` to an instance; the answer's `status`.
    @discardableResult
    func allocate(room: String, origin: Origin?, instance: Int = 0, client: HTTPClient = HTTPClient()) throws -> String? {
        let body = try customerMessage(room: room, source: origin?.source, channel: origin?.channel, client: client)
        return EndToEndTests.status(of: try post(instanceURLs[instance] + "/webhooks/allocate", json: body, client: client))
    }

    /// Resolves `room` in the simulator and sends the resolve webhook to an instance; its `status`, nil when the
    /// room had no open service.
    @discardableResult
    func resolve(room: String, instance: Int = 0, client: HTTPClient = HTTPClient()) throws -> String? {
        guard let body = try resolveInSimulator(room: room, client: client) else { return nil }
        return EndToEndTests.status(of: try post(instanceURLs[instance] + "/webhooks/resolve", json: body, client: client))
    }

    /// Where a simulated customer writes from: a source, and a channel when newer Qiscus apps send one.
    struct Origin: Sendable, Hashable {
        var source: String
        var channel: SimulatedChannel?

        static func channel(_ id: Int, _ source: String) -> Origin {
            Origin(source: source, channel: SimulatedChannel(id: id, name: "Channel \(id)", source: source))
        }

        static func source(_ source: String) -> Origin { Origin(source: source, channel: nil) }
    }

    /// `GET /v1/agents`.
    struct AdminAgents: Decodable {
        let agents: [AdminAgent]
    }

    /// One agent of the admin API.
    struct AdminAgent: Decodable, Equatable {
        let id: Int
        let load: Int
        let limit: Int
        let limit_source: String
        let limit_route: String?
        let paused: Bool
        let routes: [String]
        let divisions: [Int]
    }

    /// One waiting room of `GET /v1/queue`.
    struct AdminQueueEntry: Decodable, Equatable {
        let position: Int
        let room_id: String
        let route: String
        let waited_ms: Int
    }

    /// `GET /v1/queue`.
    struct AdminQueue: Decodable {
        let rooms: [AdminQueueEntry]
    }

    /// Calls the simulator's assign API the way the service does (for a room assigned before the service starts).
    func assignInSimulator(room: String, agent: Int) throws {
        let response = try HTTPClient().perform(HTTPClientRequest(
            method: "POST", url: simulatorURL + "/api/v1/admin/service/assign_agent",
            headers: [("Qiscus-App-Id", "sim-app"), ("Qiscus-Secret-Key", "sim-secret")],
            body: .form([("room_id", room), ("agent_id", String(agent))])))
        guard response.status == 200 else { throw TestSupportError("assign_agent: \(response.status) \(response.text)") }
    }
}
