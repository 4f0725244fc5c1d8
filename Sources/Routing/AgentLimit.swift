/// How many rooms one agent may hold, and which rule gave the number (``RouteTable/limit(agentDivisions:override:globalDefault:listedBy:)``).
public struct AgentLimit: Sendable, Equatable {
    /// Where a limit comes from.
    public enum Source: Sendable, Equatable {
        /// The agent's own override (admin API).
        case override
        /// The named route: the smallest `max_customers_per_agent` among the routes the agent serves.
        case route(String)
        /// `MAX_CUSTOMERS_PER_AGENT`.
        case global
    }

    public var value: Int
    public var source: Source

    public init(value: Int, source: Source) {
        self.value = value
        self.source = source
    }
}
