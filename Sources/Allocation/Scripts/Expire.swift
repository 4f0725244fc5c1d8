/// `lua/expire.lua`: forgets the session tombstones older than the tombstone age (`SESSION_TOMBSTONE_SECONDS`)
/// of rooms not in play, and gives tombstones without a recorded time one (adoption).
public struct Expire: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// due tombstones were handled
        case expired = 1
        /// no tombstone was due
        case noneDue = 0
    }

    /// What the expiry answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Rooms whose tombstone and leftovers were deleted.
        public let forgotten: Int
        /// Tombstones still due after this call: call again while it is above 0.
        public let due: Int
        /// The adoption cursor for the next call ("0": the scan of `session` went round).
        public let cursor: String
        /// Tombstones that had no recorded time and got one now.
        public let adopted: Int

        public init(code: Code, forgotten: Int, due: Int, cursor: String, adopted: Int) {
            self.code = code
            self.forgotten = forgotten
            self.due = due
            self.cursor = cursor
            self.adopted = adopted
        }
    }

    public static let name = "expire"
    public static let keys: [Keyspace.Name] = [.state, .session, .tombstones, .notice, .since, .route]
    /// The most due tombstones one call handles.
    public static let maxBatch = 1_000
    /// The default tombstone age: 7 days (`SESSION_TOMBSTONE_SECONDS`).
    public static let defaultAgeMilliseconds = 604_800_000

    /// How old a tombstone must be to be forgotten (ms).
    public var ageMilliseconds: Int
    /// The most due tombstones handled in this call (1 ... ``maxBatch``).
    public var batch: Int
    /// Where the scan of `session` for tombstones without a time goes on ("0" starts a round).
    public var cursor: String
    /// About how many `session` fields to scan (0: none).
    public var adoptCount: Int

    public init(ageMilliseconds: Int = Expire.defaultAgeMilliseconds, batch: Int = 500, cursor: String = "0",
                adoptCount: Int = 0) {
        self.ageMilliseconds = ageMilliseconds
        self.batch = batch
        self.cursor = cursor
        self.adoptCount = adoptCount
    }

    public func arguments(wakeCap: Int) -> [String] {
        [String(ageMilliseconds), String(batch), cursor, String(adoptCount)]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, forgotten: reply.int(0) ?? 0, due: reply.int(1) ?? 0, cursor: reply.string(2),
                adopted: reply.int(3) ?? 0)
    }
}
