/// How a ``RedisClient`` on a Redis Cluster retries what the cluster asks it to: how many redirects one call
/// follows, and for how long it keeps retrying `TRYAGAIN`, `CLUSTERDOWN` and a node it cannot connect to.
public struct RedisClusterPolicy: Sendable, Equatable {
    /// The most `MOVED`/`ASK` redirects one call follows; one more is a redirect loop, thrown as
    /// `RedisError.unavailable`.
    public var maxRedirects: Int
    /// How long one call keeps retrying a reply that says "not now" (`TRYAGAIN` during a slot migration,
    /// `CLUSTERDOWN` during a failover) or a node that refuses connections; then the last error is the answer.
    public var retryWindow: Duration
    /// ``retryWindow`` for a call made by a thread that waits for it (`runWaiting` and the other `...Waiting`
    /// calls: the webhook server's few threads, which every app shares): shorter, so a slot that is not served
    /// answers 503 soon instead of holding a thread every other app's webhooks may be queued behind.
    public var waitingRetryWindow: Duration
    /// The first pause between retries; it doubles up to ``maxPause``.
    public var firstPause: Duration
    public var maxPause: Duration

    public init(maxRedirects: Int = 5, retryWindow: Duration = .seconds(2), waitingRetryWindow: Duration = .milliseconds(300),
                firstPause: Duration = .milliseconds(10), maxPause: Duration = .milliseconds(200)) {
        self.maxRedirects = maxRedirects
        self.retryWindow = retryWindow
        self.waitingRetryWindow = waitingRetryWindow
        self.firstPause = firstPause
        self.maxPause = maxPause
    }
}
