/// Answers of `lua/extend.lua`.
public enum ExtendCode: Int, ScriptCode {
    /// the lease was pushed out; values: the new deadline (ms, Redis clock)
    case extended = 1
    /// not in flight under this token
    case leaseLost = -2
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "extend"
}
