import Foundation

/// Everything the simulator knows, behind one lock in ``QiscusSimulator``.
struct SimulatorState {
    struct SimAgent {
        var id: Int
        var name: String
        var isAvailable: Bool
        var forceOffline: Bool
        /// Ids of the agent's divisions (`user_roles`), in order.
        var divisions: [Int] = []
        /// Ids of the agent's channels (`user_channels`), in order.
        var channels: [Int] = []
    }

    /// A division of the app (`GET /api/v2/divisions`).
    struct SimDivision {
        var id: Int
        var name: String
        var isDefaultRole = false
    }

    var configuration: SimulatorConfiguration
    /// Agents in listing order.
    var agents: [SimAgent] = []
    /// Room -> the agent of its current, unresolved service.
    var roomAgent: [String: Int] = [:]
    /// Room -> the id of its current service (a new one starts after each resolve).
    var service: [String: Int64] = [:]
    var nextServiceID: Int64 = 88_000_000
    /// Per agent, the real load now (rooms held).
    var loads: [Int: Int] = [:]
    /// Per agent, the count Qiscus reports, which sees load changes only after the lag.
    var reportedCounts: [Int: LaggingCount] = [:]
    var assigns: [AssignRecord] = []
    var maxLoad: [Int: Int] = [:]
    /// Room -> the id of its last resolved service (the next session's `latest_service`).
    var lastResolved: [String: Int64] = [:]
    /// Divisions in listing order; an agent's unknown division id adds one named "Division <id>".
    var divisions: [SimDivision] = []
    /// Channel id -> name, for the agents' `user_channels`.
    var channelNames: [Int: String] = [:]
    /// Room -> the source and channel of its allocation webhooks (a room stays in the channel it came from).
    var roomOrigin: [String: (source: String, channel: SimulatedChannel?)] = [:]
    var apiCalls = 0
    /// Calls of `GET /api/v2/admin/agents/by_division` and of `GET /api/v2/divisions` (also in `apiCalls`).
    var byDivisionCalls = 0
    var divisionsCalls = 0
    /// Calls of `GET /api/v2/admin/service/available_agents` (each page is one) and of
    /// `POST /api/v1/admin/service/assign_agent`, whatever they were answered (also in `apiCalls`).
    var availableAgentsCalls = 0
    var assignCalls = 0
    /// Assign calls for a room that already had ANOTHER agent: a second allocation of one session.
    var conflicts = 0
    /// Calls of `POST /{app id}/bot`, whatever they were answered (also in `apiCalls`), and the messages posted.
    var botCalls = 0
    var botMessages: [BotMessageRecord] = []

    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
    }

    func load(of agent: Int) -> Int { loads[agent] ?? 0 }

    func divisionName(_ id: Int) -> String { divisions.first { $0.id == id }?.name ?? "Division \(id)" }

    func channelName(_ id: Int) -> String { channelNames[id] ?? "Channel \(id)" }

    /// Adds or renames a division (keeping its place in the listing).
    mutating func setDivision(_ division: SimDivision) {
        if let index = divisions.firstIndex(where: { $0.id == division.id }) {
            divisions[index] = division
        } else {
            divisions.append(division)
        }
    }

    /// Records that the agent gained (+1) or lost (-1) a room now.
    mutating func changeLoad(of agent: Int, by delta: Int, at now: Date) {
        loads[agent, default: 0] += delta
        reportedCounts[agent, default: LaggingCount()].record(delta, at: now)
    }

    /// `current_customer_count` as Qiscus reports it: only changes older than the lag.
    mutating func reportedLoad(of agent: Int, now: Date) -> Int {
        let horizon = now.addingTimeInterval(-Double(configuration.countLagMilliseconds) / 1000)
        return reportedCounts[agent]?.value(asOf: horizon) ?? 0
    }

    mutating func serviceID(of room: String) -> Int64 {
        if let id = service[room] { return id }
        nextServiceID += 1
        service[room] = nextServiceID
        return nextServiceID
    }
}

/// A count that sees changes only once they are older than a horizon: changes wait in time order and are
/// folded into the settled value as the horizon passes them, so a read costs O(changes that settled since).
struct LaggingCount {
    private var settled = 0
    private var pending: [(at: Date, delta: Int)] = []
    private var next = 0

    mutating func record(_ delta: Int, at time: Date) {
        pending.append((time, delta))
    }

    mutating func value(asOf horizon: Date) -> Int {
        while next < pending.count, pending[next].at <= horizon {
            settled += pending[next].delta
            next += 1
        }
        if next > 1024, next * 2 > pending.count {
            pending.removeFirst(next)
            next = 0
        }
        return max(0, settled)
    }
}

/// One successful assign call, as the simulator recorded it.
public struct AssignRecord: Codable, Sendable, Equatable {
    public let room: String
    public let agent: Int
    /// The service (session) the room was in.
    public let service: Int64
    /// The agent's real load right after this assign.
    public let loadAfter: Int
    /// Seconds since 1970.
    public let at: Double

    enum CodingKeys: String, CodingKey {
        case room = "room_id"
        case agent = "agent_id"
        case service = "service_id"
        case loadAfter = "load_after"
        case at
    }
}

/// The simulator's record, from `GET /sim/state`.
public struct SimulatorReport: Codable, Sendable, Equatable {
    public var assigns: [AssignRecord]
    /// agent id (as text, JSON keys are strings) -> rooms held now.
    public var loads: [String: Int]
    /// agent id -> the most rooms it ever held at one moment.
    public var maxLoads: [String: Int]
    /// room -> agent of its open service.
    public var rooms: [String: Int]
    public var apiCalls: Int
    /// Assign calls for a room that already had another agent (each would be a double assignment).
    public var conflicts: Int
    /// Calls of `GET /api/v2/admin/agents/by_division` (each page is one), also counted in `apiCalls`.
    public var byDivisionCalls: Int
    /// Calls of `GET /api/v2/divisions`, also counted in `apiCalls`.
    public var divisionsCalls: Int
    /// Calls of `GET /api/v2/admin/service/available_agents` (each page is one), also counted in `apiCalls`.
    public var availableAgentsCalls: Int
    /// Calls of `POST /api/v1/admin/service/assign_agent` (refused ones too), also counted in `apiCalls`.
    public var assignCalls: Int
    /// Calls of `POST /{app id}/bot` (failed ones too), also counted in `apiCalls`.
    public var botCalls: Int
    /// Every bot message posted, in order.
    public var messages: [BotMessageRecord]

    enum CodingKeys: String, CodingKey {
        case assigns, loads, rooms, conflicts, messages
        case botCalls = "bot_calls"
        case maxLoads = "max_loads"
        case apiCalls = "api_calls"
        case byDivisionCalls = "by_division_calls"
        case divisionsCalls = "divisions_calls"
        case availableAgentsCalls = "available_agents_calls"
        case assignCalls = "assign_calls"
    }
}

extension SimulatorReport {
    /// Decodes a report; the division and per-endpoint counters default to 0, so a simulator from before them
    /// (an older build measured by `allocator bench --allocator`) still reports.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        assigns = try container.decode([AssignRecord].self, forKey: .assigns)
        loads = try container.decode([String: Int].self, forKey: .loads)
        maxLoads = try container.decode([String: Int].self, forKey: .maxLoads)
        rooms = try container.decode([String: Int].self, forKey: .rooms)
        apiCalls = try container.decode(Int.self, forKey: .apiCalls)
        conflicts = try container.decode(Int.self, forKey: .conflicts)
        byDivisionCalls = try container.decodeIfPresent(Int.self, forKey: .byDivisionCalls) ?? 0
        divisionsCalls = try container.decodeIfPresent(Int.self, forKey: .divisionsCalls) ?? 0
        availableAgentsCalls = try container.decodeIfPresent(Int.self, forKey: .availableAgentsCalls) ?? 0
        assignCalls = try container.decodeIfPresent(Int.self, forKey: .assignCalls) ?? 0
        botCalls = try container.decodeIfPresent(Int.self, forKey: .botCalls) ?? 0
        messages = try container.decodeIfPresent([BotMessageRecord].self, forKey: .messages) ?? []
    }
}

/// The simulator's counters, from `GET /sim/stats`.
public struct SimulatorStats: Codable, Sendable, Equatable {
    public var assignCount: Int
    /// When the last assign was recorded (seconds since 1970), if any.
    public var lastAssignAt: Double?
    public var apiCalls: Int
    public var conflicts: Int
    /// Calls of `GET /api/v2/admin/agents/by_division`, also counted in `apiCalls`.
    public var byDivisionCalls: Int
    /// Calls of `GET /api/v2/divisions`, also counted in `apiCalls`.
    public var divisionsCalls: Int
    /// Calls of `GET /api/v2/admin/service/available_agents` (each page is one), also counted in `apiCalls`.
    public var availableAgentsCalls: Int
    /// Calls of `POST /api/v1/admin/service/assign_agent` (refused ones too), also counted in `apiCalls`.
    public var assignCalls: Int
    /// Calls of `POST /{app id}/bot` (failed ones too), also counted in `apiCalls`.
    public var botCalls: Int
    /// Bot messages posted.
    public var messageCount: Int

    enum CodingKeys: String, CodingKey {
        case conflicts
        case botCalls = "bot_calls"
        case messageCount = "message_count"
        case assignCount = "assign_count"
        case lastAssignAt = "last_assign_at"
        case apiCalls = "api_calls"
        case byDivisionCalls = "by_division_calls"
        case divisionsCalls = "divisions_calls"
        case availableAgentsCalls = "available_agents_calls"
        case assignCalls = "assign_calls"
    }
}

extension SimulatorStats {
    /// Decodes the counters; the division and per-endpoint ones default to 0 (a simulator from before them).
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        assignCount = try container.decode(Int.self, forKey: .assignCount)
        lastAssignAt = try container.decodeIfPresent(Double.self, forKey: .lastAssignAt)
        apiCalls = try container.decode(Int.self, forKey: .apiCalls)
        conflicts = try container.decode(Int.self, forKey: .conflicts)
        byDivisionCalls = try container.decodeIfPresent(Int.self, forKey: .byDivisionCalls) ?? 0
        divisionsCalls = try container.decodeIfPresent(Int.self, forKey: .divisionsCalls) ?? 0
        availableAgentsCalls = try container.decodeIfPresent(Int.self, forKey: .availableAgentsCalls) ?? 0
        assignCalls = try container.decodeIfPresent(Int.self, forKey: .assignCalls) ?? 0
        botCalls = try container.decodeIfPresent(Int.self, forKey: .botCalls) ?? 0
        messageCount = try container.decodeIfPresent(Int.self, forKey: .messageCount) ?? 0
    }
}

/// One bot message the simulator took (`POST /{app id}/bot`).
public struct BotMessageRecord: Codable, Sendable, Equatable {
    public let room: String
    public let text: String
    /// Seconds since 1970, when it was taken.
    public let at: Double

    enum CodingKeys: String, CodingKey {
        case room = "room_id"
        case text = "message"
        case at
    }
}
