/// Answers of `lua/revive.lua`.
public enum ReviveCode: Int, ScriptCode {
    /// the rooms are queued again; values: the rooms, oldest first
    case revived = 1
    /// no dead room (or the room given is not dead)
    case none = 0
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "revive"
}
