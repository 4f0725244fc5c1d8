/// `lua/notice.lua`: picks the rooms of one page of a route's queue that are due a "place in line" message,
/// within the app's budget of messages this second, and records them as sent before the caller sends.
public struct Notice: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the walk reached the end of the queue, or a room too young for a message
        case end = 0
        /// the page was walked; the queue goes on at ``Outcome/nextRank``
        case page = 1
        /// the app's messages of this second are spent
        case budgetSpent = 2
        /// ``Notice/limit`` rooms were picked
        case limitReached = 3
    }

    /// A room picked for a message, and its place in line (1 = the head).
    public struct Pick: Sendable, Equatable {
        public let room: String
        public let position: Int

        public init(room: String, position: Int) {
            self.room = room
            self.position = position
        }
    }

    /// What the walk answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Where the next page starts (0 after ``Code/end``).
        public let nextRank: Int
        /// The sweep cursor for the next call ("0": the sweep went round).
        public let sweepCursor: String
        /// Messages of the app still allowed this second.
        public let budgetLeft: Int
        /// The rooms picked, in queue order; each is recorded as sent.
        public let picks: [Pick]
    }

    public static let name = "notice"
    public static let keys: [Keyspace.Name] = [.queue, .state, .session, .notice, .sends]
    /// The most ranks one call walks and the most rooms it picks.
    public static let maxPage = 200

    /// The route whose queue is walked.
    public var route: String
    /// The rank (0 = head) the page starts at.
    public var start: Int
    public var page: Int
    /// How long a room must have waited before its first message (ms).
    public var minAgeMilliseconds: Int
    /// Places a room must move up between two messages.
    public var step: Int
    /// The least time between two messages of one room (ms).
    public var spacingMilliseconds: Int
    /// The app's messages per second, every instance together.
    public var maxPerSecond: Int
    public var sweepCursor: String
    /// About how many per-room entries to sweep in this call (0: none).
    public var sweepCount: Int
    /// The most rooms to pick.
    public var limit: Int

    public init(route: String = Keyspace.defaultRoute, start: Int = 0, page: Int = Notice.maxPage,
                minAgeMilliseconds: Int = 1_000, step: Int = 5, spacingMilliseconds: Int = 30_000, maxPerSecond: Int = 20,
                sweepCursor: String = "0", sweepCount: Int = 0, limit: Int = Notice.maxPage) {
        self.route = route
        self.start = start
        self.page = page
        self.minAgeMilliseconds = minAgeMilliseconds
        self.step = step
        self.spacingMilliseconds = spacingMilliseconds
        self.maxPerSecond = maxPerSecond
        self.sweepCursor = sweepCursor
        self.sweepCount = sweepCount
        self.limit = limit
    }

    public func keys(in keyspace: Keyspace) -> [String] { keys(in: keyspace, queueOf: route) }

    public func arguments(wakeCap: Int) -> [String] {
        [String(start), String(page), String(minAgeMilliseconds), String(step), String(spacingMilliseconds),
         String(maxPerSecond), sweepCursor, String(sweepCount), String(limit)]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        let picks = stride(from: 3, to: reply.values.count - 1, by: 2).map {
            Pick(room: reply.string($0), position: reply.int($0 + 1) ?? 0)
        }
        return Outcome(code: reply.code, nextRank: reply.int(0) ?? 0, sweepCursor: reply.string(1),
                       budgetLeft: reply.int(2) ?? 0, picks: picks)
    }
}
