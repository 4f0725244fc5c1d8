/// An online agent offered to `reserve`, with the load Qiscus reports for it (which may lag).
public struct AgentCandidate: Sendable, Equatable {
    public let id: Int
    /// Qiscus's `current_customer_count`.
    public let reportedLoad: Int

    public init(id: Int, reportedLoad: Int) {
        self.id = id
        self.reportedLoad = reportedLoad
    }
}
