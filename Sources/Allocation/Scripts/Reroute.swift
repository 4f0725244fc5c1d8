/// `lua/reroute.lua`: moves the rooms queued in a route that left the routes file to the default queue, at
/// their place in line.
public struct Reroute: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// rooms were moved (or dropped as debris)
        case moved = 1
        /// the route's queue is empty: its name left the routes set
        case empty = 0
    }

    public static let name = "reroute"
    public static let keys: [Keyspace.Name] = [.queue, .state, .route, .routes, .queue, .wake]

    /// The removed route.
    public var route: String
    public var batch: Int

    public init(route: String, batch: Int = 100) {
        self.route = route
        self.batch = batch
    }

    public func keys(in keyspace: Keyspace) -> [String] {
        [keyspace.queue, keyspace.state, keyspace.route, keyspace.routes, keyspace.queue(route: route), keyspace.wake]
    }

    public func arguments(wakeCap: Int) -> [String] { [route, String(batch), String(wakeCap)] }

    /// What the reroute answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Rooms now in the default queue.
        public let moved: Int
        /// Entries still in the removed route's queue.
        public let left: Int
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        Outcome(code: reply.code, moved: reply.int(0) ?? 0, left: reply.int(1) ?? 0)
    }
}
