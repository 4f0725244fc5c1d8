/// What an allocation task needs to know of one route: its name and its overflow. Which agents serve it, and
/// with which limit, is the gateway's business (``AgentGateway/onlineAgents(room:route:)``).
public struct RoutePlan: Sendable, Equatable {
    /// Another route whose agents may serve a room of this one once it waited long enough.
    public struct Overflow: Sendable, Equatable {
        public let route: String
        /// How long a room waits in its own route before the overflow route's agents may serve it.
        public let afterMilliseconds: Int

        public init(route: String, afterMilliseconds: Int) {
            self.route = route
            self.afterMilliseconds = afterMilliseconds
        }
    }

    public let name: String
    public let overflow: Overflow?

    public init(name: String, overflow: Overflow? = nil) {
        self.name = name
        self.overflow = overflow
    }

    /// The one route of an instance without a routes file.
    public static let single = [RoutePlan(name: Keyspace.defaultRoute)]
}
