/// How a worker allocates.
public struct WorkerSettings: Sendable, Equatable {
    /// `MAX_CUSTOMERS_PER_AGENT`: the limit of a candidate whose routes give it none.
    public var limit: Int
    public var strategy: AllocationStrategy
    /// `LEASE_SECONDS` in ms: how long a claimed room stays with a worker before `recover` takes it back.
    public var leaseMilliseconds: Int
    public var retry: RetryPolicy
    /// How long our releases are subtracted from Qiscus's lagging count (`QISCUS_COUNT_LAG_SECONDS`), ms.
    public var releaseWindowMilliseconds: Int
    /// Every route, in file order (`default` included).
    public var routes: [RoutePlan]

    /// The defaults are what `allocator serve` uses with its default configuration (whose defaults live in the
    /// service's settings table; a service test holds them equal).
    public init(limit: Int = 2, strategy: AllocationStrategy = .leastLoaded, leaseMilliseconds: Int = 30_000,
                retry: RetryPolicy = RetryPolicy(), releaseWindowMilliseconds: Int = 10_000,
                routes: [RoutePlan] = RoutePlan.single) {
        self.limit = limit
        self.strategy = strategy
        self.leaseMilliseconds = leaseMilliseconds
        self.retry = retry
        self.releaseWindowMilliseconds = releaseWindowMilliseconds
        self.routes = routes
    }

    /// The plan of a route (a route this instance does not know is served like `default`, without overflow).
    public func plan(of route: String) -> RoutePlan {
        routes.first { $0.name == route } ?? RoutePlan(name: route)
    }
}
