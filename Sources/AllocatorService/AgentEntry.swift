/// One agent as the admin API shows it (`GET /v1/agents`, `PUT /v1/agents/{id}`, `allocator agents`).
public struct AgentEntry: Codable, Sendable, Equatable {
    public let id: Int
    public let name: String?
    public let email: String?
    /// A listing showed the agent online within the last minute.
    public let online: Bool
    /// How long ago a listing last showed it online (ms); nil when never.
    public let lastSeenMillisecondsAgo: Int?
    /// Rooms this service holds for the agent (reserved and assigned), over every route.
    public let load: Int
    public let limit: Int
    /// `override` (admin API), `route` (the smallest `max_customers_per_agent` of its routes: ``limitRoute``) or
    /// `global` (`MAX_CUSTOMERS_PER_AGENT`).
    public let limitSource: String
    public let limitRoute: String?
    public let paused: Bool
    /// The routes the agent serves, by its divisions (routes without divisions when they are unknown).
    public let routes: [String]
    public let divisions: [Int]

    enum CodingKeys: String, CodingKey {
        case id, name, email, online, load, limit, paused, routes, divisions
        case lastSeenMillisecondsAgo = "last_seen_ms_ago"
        case limitSource = "limit_source"
        case limitRoute = "limit_route"
    }
}
