/// What became of one claimed room.
public enum AllocationOutcome: Sendable, Equatable {
    /// Assigned and committed; `waited` is the time from queueing to commit in ms (Redis clock), if known.
    case assigned(agent: Int, waited: Int?)
    /// The room had been assigned already (another worker, or an earlier try): nothing to do.
    case alreadyAssigned
    /// No online agent under the limit: the room is back at the head, and the worker waits for capacity.
    case noCapacity
    /// Given up for now (the API failed, or the instance is stopping): back at the head.
    case requeued(reason: String)
    /// Given up for good after the last try: in the dead list with its reason.
    case dead(reason: String)
    /// A fault about the service, not the room: allocation paused; the room keeps its place in line.
    case paused(reason: String)
    /// The lease ended under us (resolved meanwhile, or recovered by another instance): nothing undone.
    case leaseLost

    /// A label for metrics.
    public var label: String {
        switch self {
        case .assigned: return "assigned"
        case .alreadyAssigned: return "already_assigned"
        case .noCapacity: return "no_capacity"
        case .requeued: return "requeued"
        case .dead: return "dead"
        case .leaseLost: return "lease_lost"
        case .paused: return "paused"
        }
    }
}
