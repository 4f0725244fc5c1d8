/// Answers of `lua/recover.lua`.
public enum RecoverCode: Int, ScriptCode {
    /// expired rooms are back at the head; values: the rooms in queue order
    case recovered = 1
    /// no lease has expired
    case none = 0
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "recover"
}
