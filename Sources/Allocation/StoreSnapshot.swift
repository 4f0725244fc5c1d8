/// Everything recorded for one app at one instant (read in one `MULTI`/`EXEC`). For status pages and tests;
/// it reads whole hashes, so it is not for hot paths.
public struct StoreSnapshot: Sendable, Equatable {
    /// Waiting rooms, head first.
    public var queue: [String] = []
    /// room -> `q` | `f` | `a` | `d`.
    public var states: [String: String] = [:]
    /// room -> session key (tombstones included).
    public var sessions: [String: String] = [:]
    /// Rooms in flight, by lease deadline.
    public var leased: [String] = []
    /// room -> agent reserved or assigned.
    public var agents: [String: Int] = [:]
    /// agent -> rooms we hold for it.
    public var loads: [Int: Int] = [:]
    /// Dead rooms, oldest first.
    public var dead: [String] = []
    /// dead room -> reason.
    public var reasons: [String: String] = [:]
    /// Wake-up tokens waiting in the wake list.
    public var wakeTokens: Int = 0
    /// Rooms with a recorded queueing time (queued or in flight, not yet committed).
    public var timed: Set<String> = []
    /// The index of assigned rooms: room -> agent (equals the `a` rooms of `agents`).
    public var assigned: [String: Int] = [:]
    /// Agents with a recorded last reservation.
    public var touched: Set<Int> = []

    public init() {}

    /// Rooms per agent counted from `agents`: equals `loads` whenever the books are consistent.
    public var countedLoads: [Int: Int] {
        agents.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}
