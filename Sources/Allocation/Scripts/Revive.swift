/// `lua/revive.lua`: queues dead rooms again at their place in line (`allocator requeue-dead`).
public struct Revive: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// rooms are queued again
        case revived = 1
        /// no dead room (or the room given is not dead)
        case none = 0
    }

    public static let name = "revive"
    public static let keys: [Keyspace.Name] = [.queue, .state, .dead, .reason, .since, .wake, .route, .routes]
    public static let takesEveryRoute = true

    /// One room, or nil for the oldest ``batch`` dead rooms.
    public var room: String?
    public var batch: Int

    public init(room: String? = nil, batch: Int = 1000) {
        self.room = room
        self.batch = batch
    }

    public func arguments(wakeCap: Int) -> [String] { [room ?? "", String(batch), String(wakeCap)] }

    /// What the revival answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The rooms queued again, oldest first (empty when none).
        public let rooms: [String]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code, rooms: reply.strings) }
}
