/// Answers of `lua/claim.lua`.
public enum ClaimCode: Int, ScriptCode {
    /// the head room is leased to the caller; values: room, session, reserved agent or empty, rooms still queued
    case claimed = 1
    /// nothing is queued
    case empty = 0
    /// the head was not in state q and was dropped; values: room. Call again
    case droppedOrphan = 2
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "claim"
}
