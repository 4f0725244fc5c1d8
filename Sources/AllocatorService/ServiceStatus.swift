import Allocation

/// The body of `GET /v1/status` and the output of `allocator status --json`.
public struct ServiceStatus: Codable, Sendable, Equatable {
    public struct AgentLoad: Codable, Sendable, Equatable {
        public let id: Int
        public let load: Int
    }

    public struct Dead: Codable, Sendable, Equatable {
        public let roomID: String
        public let reason: String

        enum CodingKeys: String, CodingKey {
            case roomID = "room_id"
            case reason
        }
    }

    /// Whether this instance allocates: `{"state":"running"}`, or `{"state":"paused","reason":".."}` while a
    /// fault about the service (rejected credentials, an unreachable Qiscus) holds it. Absent from
    /// `allocator status`, which reads only Redis.
    public struct Allocation: Codable, Sendable, Equatable {
        public let state: String
        public let reason: String?
    }

    /// One route's line: its queue, how long its head has waited, rooms served, and whether this instance
    /// found it full (no agent under the limit: it waits for a freed slot; absent from `allocator status`).
    public struct Route: Codable, Sendable, Equatable {
        public let name: String
        public let queueLength: Int
        public let oldestWaitMilliseconds: Int?
        public let served: Int
        /// Rooms served in the last 60 minutes, and the wait under which half and 95% of them were served (the
        /// bound of the wait bucket, ms; absent without waits or beyond the last bucket's 30 minutes).
        public let servedLastHour: Int?
        public let waitP50LastHour: Int?
        public let waitP95LastHour: Int?
        public let waitingForCapacity: Bool?
        /// Online agents the last listing of the route returned in this instance (absent before the first).
        public let listedAgents: Int?
        /// Division ids of the route Qiscus does not know (absent when all are known or not checked).
        public let unknownDivisions: [Int]?

        enum CodingKeys: String, CodingKey {
            case name, served
            case listedAgents = "listed_agents"
            case unknownDivisions = "unknown_division_ids"
            case queueLength = "queue_length"
            case oldestWaitMilliseconds = "oldest_wait_ms"
            case servedLastHour = "served_last_hour"
            case waitP50LastHour = "wait_p50_ms_last_hour"
            case waitP95LastHour = "wait_p95_ms_last_hour"
            case waitingForCapacity = "waiting_for_capacity"
        }
    }

    /// The app of a running instance and its health (absent from `allocator status`): `health` is `ready`,
    /// `redis_unavailable` (its webhooks are answered 503) or `allocation_paused`, with the reason in `problem`.
    public struct App: Codable, Sendable, Equatable {
        public let id: String
        public let health: String
        public let problem: String?

        enum CodingKeys: String, CodingKey {
            case id = "app_id"
            case health, problem
        }
    }

    public var app: App?
    public let allocation: Allocation?
    public let routes: [Route]?
    public let queueLength: Int
    public let inFlight: Int
    public let deadCount: Int
    public let agents: [AgentLoad]
    public let dead: [Dead]

    /// The status from a store summary and its dead rooms (what `allocator status` reads from Redis).
    public init(summary: StoreSummary, dead: [DeadRoom]) {
        self.init(summary: summary, dead: dead, allocation: nil)
    }

    /// The status of a running instance: also whether it allocates, which routes it found full, and what it
    /// saw of each route's agents.
    init(summary: StoreSummary, dead: [DeadRoom], allocation: AllocationGate.State?, parked: Set<String>? = nil,
         health: ((String) -> RouteHealth.Line)? = nil) {
        routes = summary.routes.map { route in
            let line = health?(route.name)
            let hour = route.lastHour
            return Route(name: route.name, queueLength: route.queued, oldestWaitMilliseconds: route.oldestWaitMilliseconds,
                         served: route.served, servedLastHour: hour?.served,
                         waitP50LastHour: hour?.waitAtMost(0.5), waitP95LastHour: hour?.waitAtMost(0.95),
                         waitingForCapacity: parked.map { $0.contains(route.name) },
                         listedAgents: line?.listedAgents,
                         unknownDivisions: line.flatMap { $0.unknownDivisions.isEmpty ? nil : $0.unknownDivisions })
        }
        self.allocation = allocation.map { state in
            switch state {
            case .running: return Allocation(state: "running", reason: nil)
            case .paused(let reason): return Allocation(state: "paused", reason: reason)
            }
        }
        queueLength = summary.queued
        inFlight = summary.inFlight
        deadCount = summary.dead
        agents = summary.loads.sorted { $0.key < $1.key }.map { AgentLoad(id: $0.key, load: $0.value) }
        self.dead = dead.map { Dead(roomID: $0.room, reason: $0.reason) }
    }

    enum CodingKeys: String, CodingKey {
        case queueLength = "queue_length"
        case inFlight = "in_flight"
        case deadCount = "dead_count"
        case agents, dead, allocation, routes, app
    }
}

/// `GET /v1/status` with a tenants file: whether the instance is ready, and each app's status (only its `app`
/// when its Redis did not answer).
struct TenantsStatus: Encodable, Sendable {
    enum Entry: Encodable, Sendable {
        case status(ServiceStatus)
        case unavailable(ServiceStatus.App)

        func encode(to encoder: any Encoder) throws {
            switch self {
            case .status(let status): try status.encode(to: encoder)
            case .unavailable(let app):
                var container = encoder.container(keyedBy: ServiceStatus.CodingKeys.self)
                try container.encode(app, forKey: .app)
            }
        }
    }

    let ready: Bool
    let apps: [Entry]
}
