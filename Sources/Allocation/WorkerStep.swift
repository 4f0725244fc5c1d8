/// The points between the steps of one allocation, for tests that stop a process at each of them.
public enum WorkerStep: String, Sendable, CaseIterable {
    /// The room is leased to the worker (`claim.lua` ran).
    case claimed
    /// An agent is reserved for it (`reserve.lua` ran); the assign call is next.
    case reserved
    /// Qiscus accepted the assign call; the commit is next.
    case assigned
    /// The assignment is committed.
    case committed
}
