/// How a worker allocates.
public struct WorkerSettings: Sendable, Equatable {
    /// `MAX_CUSTOMERS_PER_AGENT`.
    public var limit: Int
    public var strategy: AllocationStrategy
    /// `LEASE_SECONDS` in ms: how long a claimed room stays with a worker before `recover` takes it back.
    public var leaseMilliseconds: Int
    public var retry: RetryPolicy
    /// How long our releases are subtracted from Qiscus's lagging count (`QISCUS_COUNT_LAG_SECONDS`), ms.
    public var releaseWindowMilliseconds: Int

    /// The defaults are what `allocator serve` uses with its default configuration (whose defaults live in the
    /// service's settings table; a service test holds them equal).
    public init(limit: Int = 2, strategy: AllocationStrategy = .leastLoaded, leaseMilliseconds: Int = 30_000,
                retry: RetryPolicy = RetryPolicy(), releaseWindowMilliseconds: Int = 10_000) {
        self.limit = limit
        self.strategy = strategy
        self.leaseMilliseconds = leaseMilliseconds
        self.retry = retry
        self.releaseWindowMilliseconds = releaseWindowMilliseconds
    }
}
