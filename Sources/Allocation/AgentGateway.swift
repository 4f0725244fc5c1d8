/// What a worker needs from the contact-center API (Qiscus): the online agents for a room and the assign
/// call. One gateway per worker; it need not be thread safe.
public protocol AgentGateway: AnyObject {
    /// Online agents that may take the room, in the API's order, with the load the API reports.
    func onlineAgents(room: String) throws -> [AgentCandidate]
    /// Qiscus's count of active customers for every agent it lists for the room, online or not (for
    /// `reconcile`).
    func agentCounts(room: String) throws -> [Int: Int]
    /// Assigns the agent. Returns normally when the room has that agent (or, with `max_agent=1`, already
    /// has one): the call is idempotent.
    func assign(room: String, agent: Int) throws
}

/// An error of an ``AgentGateway`` call that says whether a retry may help.
public protocol GatewayFailure: Error, CustomStringConvertible {
    var isRetryable: Bool { get }
    /// Seconds the API asked us to wait (`Retry-After`), if it did.
    var retryAfter: Double? { get }
    /// A short label for metrics, e.g. `timeout`.
    var kind: String { get }
}
