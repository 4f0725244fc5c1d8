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

    public let allocation: Allocation?
    public let queueLength: Int
    public let inFlight: Int
    public let deadCount: Int
    public let agents: [AgentLoad]
    public let dead: [Dead]

    /// The status from a store summary and its dead rooms.
    public init(summary: StoreSummary, dead: [DeadRoom], allocation: AllocationGate.State? = nil) {
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
        case agents, dead, allocation
    }
}
