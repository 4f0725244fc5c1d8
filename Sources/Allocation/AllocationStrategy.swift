/// How `reserve` picks among the candidates whose effective load is under the limit.
public enum AllocationStrategy: String, Sendable, CaseIterable {
    /// The lowest effective load; ties go to the earlier candidate. Spreads rooms evenly.
    case leastLoaded = "least_loaded"
    /// The first candidate under the limit, in the order Qiscus listed them. Fills agents one by one.
    case inOrder = "in_order"
}
