/// Counts for status pages and gauges, read cheaply (no whole-hash reads but the agents' loads).
public struct StoreSummary: Sendable, Equatable, Codable {
    public var queued: Int
    public var inFlight: Int
    public var dead: Int
    /// agent id -> rooms this service holds for the agent.
    public var loads: [Int: Int]
    /// Every route of the store, in file order (`queued` is their sum).
    public var routes: [RouteSummary]

    public init(queued: Int = 0, inFlight: Int = 0, dead: Int = 0, loads: [Int: Int] = [:], routes: [RouteSummary] = []) {
        self.queued = queued
        self.inFlight = inFlight
        self.dead = dead
        self.loads = loads
        self.routes = routes
    }
}
