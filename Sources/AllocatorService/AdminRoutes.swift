import Allocation
import Foundation
import HTTPServer
import Logging
import Qiscus
import Redis
import Routing

/// One app's admin API (docs/interface.md), enabled by `ADMIN_TOKEN` (or the app's `admin_token`): agents with their load, limit and where it
/// comes from, pause; the queue of each route with places; requeue of dead rooms. Every call carries
/// `Authorization: Bearer <ADMIN_TOKEN>` or comes from the dashboard (``AdminAccess``; 401 otherwise). Changes go through `override.lua` / `revive.lua`,
/// so they take effect on the next reservation in every instance; nothing is stored on any error.
struct AdminRoutes: Sendable {
    let store: AllocationStore
    let routes: RouteTable
    let access: AdminAccess
    /// `MAX_CUSTOMERS_PER_AGENT` (the app's).
    let globalLimit: Int
    /// Where its paths are (under `paths.api`).
    var paths = AppPaths.single
    /// An agent a listing showed within this long is online.
    var onlineWindowMilliseconds = AgentEntry.onlineWindowMilliseconds
    let logger: Logger

    /// Adds the admin paths to the router.
    func register(on router: inout Router, storing: @escaping @Sendable (String, () throws -> ServerResponse) throws -> ServerResponse) {
        router.on("GET", paths.api + "/agents") { request in
            try authorize(request)
            return try storing("the agents") { .json(["agents": try agents()]) }
        }
        router.on("PUT", prefix: paths.api + "/agents/") { request in
            try authorize(request)
            let agent = try agentID(in: request.path)
            let change = try AgentChange.decode(request.body)
            return try storing("the agent change") { try update(agent: agent, change) }
        }
        router.on("GET", paths.api + "/queue") { request in
            try authorize(request)
            let (selected, limit) = try queueQuery(request)
            return try storing("the queue") {
                .json(["rooms": try selected.flatMap { try store.queuedRoomsWaiting(route: $0, limit: limit) }.map(QueueEntry.init)])
            }
        }
        router.on("POST", paths.api + "/dead/requeue") { request in
            try authorize(request)
            let room = try RequeueRequest.decode(request.body).roomID
            return try storing("the requeue") { try requeue(room: room) }
        }
    }

    @discardableResult
    func authorize(_ request: ServerRequest) throws(HTTPError) -> AdminAccess.Grant {
        try access.authorize(request)
    }

    /// Every agent Redis knows of, by id.
    func agents() throws -> [AgentEntry] {
        try store.agentRecordsWaiting().map(view)
    }

    func view(_ record: AgentRecord) -> AgentEntry {
        AgentEntry(record: record, routes: routes, globalLimit: globalLimit, onlineWindowMilliseconds: onlineWindowMilliseconds)
    }

    private func update(agent: Int, _ change: AgentChange) throws -> ServerResponse {
        let stored = try store.runWaiting(Override(agent: agent, limit: change.limit, paused: change.paused))
        logger.notice("agent override changed", metadata: [
            "agent": "\(agent)", "limit": "\(stored.limit.map(String.init) ?? "-")", "paused": "\(stored.paused)",
        ])
        // The change is stored: a failed read of the rest of the agent still answers 200, with what was stored.
        let record = (try? store.agentRecordsWaiting().first { $0.id == agent })
            ?? AgentRecord(id: agent, card: nil, seenMillisecondsAgo: nil, load: 0, limitOverride: stored.limit, paused: stored.paused)
        return .json(view(record))
    }

    private func requeue(room: String?) throws -> ServerResponse {
        var requeued: [String] = []
        for _ in 0..<100 {
            let revived = try store.runWaiting(Revive(room: room, batch: 1000))
            requeued += revived.rooms
            // REVIVED without rooms: the batch held only stale entries, which were dropped; more may follow.
            if revived.code == .none || room != nil { break }
        }
        if let room, requeued.isEmpty {
            throw HTTPError(404, code: "not_dead", message: "room \(room) is not in the dead list")
        }
        logger.notice("dead rooms requeued through the admin API", metadata: ["rooms": "\(requeued.count)"])
        return .json(RequeueAnswer(requeued: requeued.count, rooms: Array(requeued.prefix(1000))))
    }

    /// `{id}` of `/v1/agents/{id}`: a positive integer of at most 18 digits.
    private func agentID(in path: String) throws(HTTPError) -> Int {
        let text = path.dropFirst((paths.api + "/agents/").count)
        guard !text.isEmpty, text.count <= 18, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
              let id = Int(text), id > 0 else {
            throw HTTPError(400, code: "invalid_agent_id", message: "the agent id must be a positive integer")
        }
        return id
    }

    /// `?route=` (one route; every route when absent) and `?limit=` (1..1000 rooms per route, default 100).
    private func queueQuery(_ request: ServerRequest) throws(HTTPError) -> ([String], Int) {
        var limit = 100
        if let text = request.query["limit"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw HTTPError(400, code: "invalid_limit", message: "limit must be an integer 1..1000")
            }
            limit = value
        }
        guard let route = request.query["route"] else { return (routes.names, limit) }
        guard routes.route(named: route) != nil else {
            throw HTTPError(400, code: "invalid_route", message: "route must be one of: \(routes.names.joined(separator: ", "))")
        }
        return ([route], limit)
    }

    private struct RequeueAnswer: Encodable {
        let requeued: Int
        let rooms: [String]
    }
}
