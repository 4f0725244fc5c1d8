/// Answers of `lua/commit.lua`.
public enum CommitCode: Int, ScriptCode {
    /// the reservation is now the assignment
    case committed = 1
    /// assigned to this agent already
    case alreadyCommitted = 2
    /// not in flight under this token: do NOT roll back
    case leaseLost = -2
    /// the room holds another agent; values: agent held or empty
    case agentMismatch = -3
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "commit"
}
