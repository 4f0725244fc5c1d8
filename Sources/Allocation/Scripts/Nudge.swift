/// `lua/nudge.lua`: wakes one idle worker to look at the queue head again when rooms wait (agents coming
/// online send no webhook).
public struct Nudge: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// rooms wait: a `c` token was pushed
        case nudged = 1
        /// nothing is queued
        case idle = 0
    }

    public static let name = "nudge"
    public static let keys: [Keyspace.Name] = [.wake, .queue]
    public static let takesEveryRoute = true

    public init() {}

    public func arguments(wakeCap: Int) -> [String] { [String(wakeCap)] }

    /// What the nudge answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Rooms queued (0 when idle).
        public let queued: Int
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code, queued: reply.int(0) ?? 0) }
}
