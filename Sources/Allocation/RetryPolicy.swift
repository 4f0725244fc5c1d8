/// Bounded retries with exponential backoff and full jitter, honouring a server's `Retry-After`.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all (the first call included).
    public var attempts: Int
    /// The delay cap before jitter of the first retry, in seconds; it doubles per retry up to `maxDelay`.
    public var baseDelay: Double
    public var maxDelay: Double

    /// The defaults are what `allocator serve` uses with its default configuration (`QISCUS_MAX_ATTEMPTS` and
    /// `LEASE_SECONDS`, whose defaults live in the service's settings table; a service test holds them equal).
    public init(attempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 5) {
        precondition(attempts >= 1 && baseDelay >= 0 && maxDelay >= baseDelay)
        self.attempts = attempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before retry number `retry` (1 for the first retry). `Retry-After` wins when it is longer
    /// than the backoff, capped at `maxDelay` so one room can not hold a worker for long.
    public func delay(beforeRetry retry: Int, retryAfter: Double?,
                      random: (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) -> Double {
        let exponent = min(max(retry - 1, 0), 30)
        let cap = min(maxDelay, baseDelay * Double(1 << exponent))
        let jittered = random(cap / 2...cap)
        guard let retryAfter, retryAfter > 0 else { return jittered }
        return min(maxDelay, max(jittered, retryAfter))
    }
}
