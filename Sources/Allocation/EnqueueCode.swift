/// Answers of `lua/enqueue.lua`.
public enum EnqueueCode: Int, ScriptCode {
    /// now at the tail of the queue (new room, or a dead room whose customer wrote again)
    case queued = 1
    /// an assigned room started a newer session: the old slot was freed and the room queued
    case queuedNewSession = 2
    /// already queued or in flight
    case duplicate = 3
    /// assigned for this very session
    case alreadyAssigned = 4
    /// the session is older than the one recorded
    case stale = 5
    /// bad arguments (thrown as `AllocationError.invalidArgument`)
    case invalid = -1

    public static let script = "enqueue"
}
