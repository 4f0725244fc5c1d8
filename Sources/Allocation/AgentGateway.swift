/// What the allocation tasks need from the contact-center API (Qiscus): the online agents for a room and the
/// assign call. One gateway serves every task of an instance, so it must be safe to call concurrently.
public protocol AgentGateway: Sendable {
    /// The app whose API it calls (the `app` label of its metrics).
    var appID: String { get }
    /// Online agents of the route that may take the room, in the API's order, with the load the API reports
    /// and the limit the routes give each (nil: `MAX_CUSTOMERS_PER_AGENT`).
    func onlineAgents(room: String, route: String) async throws -> [AgentCandidate]
    /// The API call that lists the route's agents, for logs, metrics and dead-room reasons (e.g.
    /// `available_agents`, `by_division`).
    func listingCall(of route: String) -> String
    /// Lists every route's online agents once, for what the instance keeps about them (names, divisions, last
    /// seen): called every `RECONCILE_SECONDS`, so the admin API's `online` does not depend on traffic. `room` is
    /// a room to list `available_agents` for (nil: routes without divisions are skipped). Never throws.
    func refreshAgents(room: String?) async
    /// Qiscus's count of active customers for every agent it lists for the room, online or not (for
    /// `reconcile`).
    func agentCounts(room: String) async throws -> [Int: Int]
    /// Assigns the agent. Returns normally when the room has that agent (or, with `max_agent=1`, already
    /// has one): the call is idempotent.
    func assign(room: String, agent: Int) async throws
    /// The cheapest call that proves the API takes our credentials and answers (an answer that refuses the
    /// call for another reason proves it too).
    func probe() async throws
}

extension AgentGateway {
    public func listingCall(of route: String) -> String { "available_agents" }

    /// The app whose API it calls (the `app` label of its metrics); empty when it stands for none.
    public var appID: String { "" }

    public func refreshAgents(room: String?) async {}
}

/// An error of an ``AgentGateway`` call that says whether a retry may help.
public protocol GatewayFailure: Error, CustomStringConvertible {
    var isRetryable: Bool { get }
    /// Seconds the API asked us to wait (`Retry-After`), if it did.
    var retryAfter: Double? { get }
    /// A short label for metrics, e.g. `timeout`.
    var kind: String { get }
    /// The fault is about the service, not the room (rejected credentials, an API that can not be reached):
    /// allocation pauses and rooms keep their place in line instead of going to the dead list.
    var isServiceFault: Bool { get }
    /// The API answered and refused the call (e.g. 401): it did nothing. A room whose every assign try was refused
    /// so (right after this task reserved the agent) has its reservation undone at once when allocation pauses or
    /// the instance stops; otherwise an assign may have reached the API, and the reservation stays for the retry.
    var refusedWithoutEffect: Bool { get }
}

extension GatewayFailure {
    public var refusedWithoutEffect: Bool { false }
}
