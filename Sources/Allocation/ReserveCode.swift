/// Answers of `lua/reserve.lua`, the allocation rule.
public enum ReserveCode: Int, ScriptCode {
    /// an agent was reserved; values: agent, our load after the increment
    case reserved = 1
    /// the room kept its reservation: the same agent again, counted once; values: agent, load
    case alreadyReserved = 2
    /// the room is assigned already; values: agent
    case alreadyAssigned = 3
    /// every candidate is at the limit
    case noCapacity = 0
    /// the room is not in flight under this token
    case leaseLost = -2
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "reserve"
}
