/// An online agent offered to `reserve`, with the load Qiscus reports for it (which may lag) and the limit its
/// routes give it (an override stored in Redis wins over it inside the script).
public struct AgentCandidate: Sendable, Equatable {
    public let id: Int
    /// Qiscus's `current_customer_count`.
    public let reportedLoad: Int
    /// The most rooms the agent may hold by its routes; nil when they set none (`MAX_CUSTOMERS_PER_AGENT`).
    public var limit: Int?

    public init(id: Int, reportedLoad: Int, limit: Int? = nil) {
        self.id = id
        self.reportedLoad = reportedLoad
        self.limit = limit
    }
}
