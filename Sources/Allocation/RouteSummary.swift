/// One route's line in a ``StoreSummary``.
public struct RouteSummary: Sendable, Equatable, Codable {
    public var name: String
    /// Rooms waiting in the route's queue.
    public var queued: Int
    /// How long the head of the queue has waited (ms, Redis clock); nil when nobody waits.
    public var oldestWaitMilliseconds: Int?
    /// Rooms assigned in the route, ever (every instance's).
    public var served: Int
    /// The last 60 minutes of the route's ring one by one, oldest first (the dashboard's charts); empty when
    /// the clock was not read.
    public var minutes: [RouteMinute]

    /// The last 60 minutes added up: rooms served and their waits (every instance's); nil without ``minutes``.
    public var lastHour: RouteMinute? { minutes.isEmpty ? nil : RouteMinute.total(minutes) }

    public init(name: String, queued: Int = 0, oldestWaitMilliseconds: Int? = nil, served: Int = 0,
                minutes: [RouteMinute] = []) {
        self.name = name
        self.queued = queued
        self.oldestWaitMilliseconds = oldestWaitMilliseconds
        self.served = served
        self.minutes = minutes
    }
}
