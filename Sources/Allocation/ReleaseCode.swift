/// Answers of `lua/release.lua`.
public enum ReleaseCode: Int, ScriptCode {
    /// the room was assigned; its agent's slot is free; values: agent
    case released = 1
    /// the room was waiting and is gone
    case dequeued = 2
    /// a worker held the room; its lease is void; values: agent or empty
    case dequeuedInFlight = 3
    /// the room was in the dead set and is gone
    case deadRemoved = 4
    /// the resolve is of the session before the one held (a late webhook): nothing changed
    case staleSession = 5
    /// nothing was recorded for the room
    case unknown = 0
    /// bad arguments (thrown)
    case invalid = -1

    public static let script = "release"
}
