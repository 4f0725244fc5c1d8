/// Answers of `lua/reconcile.lua`.
public enum ReconcileCode: Int, ScriptCode {
    /// rooms were forgotten; values: pairs of agent and room
    case healed = 1
    /// nothing to heal
    case none = 0
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "reconcile"
}
