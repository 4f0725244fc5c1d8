/// Answers of `lua/rollback.lua`.
public enum RollbackCode: Int, ScriptCode {
    /// back at the head of the queue
    case requeued = 1
    /// in the dead set with its reason
    case dead = 2
    /// not in flight under this token
    case leaseLost = -2
    /// the room holds another reservation; values: agent held or empty
    case agentMismatch = -3
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "rollback"
}
