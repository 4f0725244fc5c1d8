/// Where `rollback` sends a room it gives up.
public enum RoomDisposition: Sendable, Equatable {
    /// Back to the HEAD of the queue: it keeps its place in line.
    case requeue
    /// To the dead set, with the reason shown to operators.
    case dead(reason: String)
}
