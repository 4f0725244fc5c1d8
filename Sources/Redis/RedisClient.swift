import Dispatch
import ServiceLifecycle
import ServiceThread
import Synchronization

/// The one way this service talks to Redis: one connection shared by any number of tasks (and of threads a C
/// library owns). Commands queue up; one I/O thread, started by ``run()``, writes whatever is queued as one
/// pipeline and hands each reply back, so concurrent callers share round trips and no caller's task blocks a
/// thread. A ``RedisScript`` is run with `EVALSHA`, and on a `NOSCRIPT` reply (cache lost on restart, failover
/// or `SCRIPT FLUSH`) repeated at once as `EVAL` by the I/O thread, so callers never see `NOSCRIPT`.
///
/// A broken connection fails the commands of the pipeline in flight (some may have run, as with any lost
/// reply) and reconnects for the next one. A client meant for blocking commands (`BLPOP`) must be used by one
/// caller at a time: a blocking command holds up every command queued behind it. Cancelling the task of such a
/// command interrupts it (the socket is shut down and the connection made anew).
///
/// The node of the configuration may be a Redis Cluster node: the first call finds out (`INFO cluster`), and
/// from then on every call goes to the master of its keys' slot, one such connection per node, following
/// `MOVED` and `ASK` and retrying `TRYAGAIN` and `CLUSTERDOWN` (see ``RedisClusterPolicy`` and
/// `RedisClusterCall`). With a single node nothing changes: one connection, no extra round trip.
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    public let clusterPolicy: RedisClusterPolicy
    let router: RedisClusterRouter
    /// The connection to the configured node.
    var core: RedisIOCore { router.seed }

    /// - Parameters:
    ///   - maxBatch: the most commands written in one pipeline.
    ///   - clusterPolicy: how calls are retried on a Redis Cluster.
    public init(configuration: RedisConfiguration, maxBatch: Int = 256, clusterPolicy: RedisClusterPolicy = RedisClusterPolicy()) {
        self.configuration = configuration
        self.clusterPolicy = clusterPolicy
        router = RedisClusterRouter(configuration: configuration, maxBatch: max(1, maxBatch))
    }

    /// Runs the I/O thread (on a Redis Cluster, one per node in use) until graceful shutdown or cancellation.
    /// Commands sent before it starts wait for it; commands sent after it ended fail with `RedisError.closed`.
    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [core] in
                await ServiceThread.run(name: "redis-io", loop: { core.loop() }, stop: { core.stop() })
            }
            group.addTask { [router] in await router.run() }
            await group.waitForAll()
        }
    }

    /// Whether the configured node turned out to be a Redis Cluster node (`nil` before the first call answered).
    public var isCluster: Bool? {
        switch router.mode {
        case .unknown: return nil
        case .single: return false
        case .cluster: return true
        }
    }

    /// Runs one command. An error *reply* is returned as `.error`, not thrown.
    public func send(_ command: [String]) async throws -> RedisReply {
        try await submit([command]).first ?? .null
    }

    /// Runs one command and throws `RedisError.server` for an error reply.
    @discardableResult
    public func execute(_ command: [String]) async throws -> RedisReply {
        try Self.checked(try await send(command))
    }

    /// ``execute(_:)`` for a command without keys (`PING`, `INFO`, `SCRIPT LOAD`) that is about `key`: on a Redis
    /// Cluster it goes to the master of `key`'s slot (without it, to that of the client's last keyed call), so a
    /// check of one app's storage asks the node that holds the app's keys. With a single node, the same as
    /// ``execute(_:)``.
    @discardableResult
    public func execute(_ command: [String], atSlotOf key: String) async throws -> RedisReply {
        try Self.checked(try await submit([command], slot: RedisKeySlot.slot(of: key)).first ?? .null)
    }

    /// Runs the commands back to back on the connection (no other caller's command in between) and returns
    /// their replies in order, e.g. `MULTI` ... `EXEC`.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisReply] {
        try await submit(commands)
    }

    /// Runs a script (see the type's documentation); an error reply is thrown as `RedisError.server`.
    public func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisReply {
        let job = script.commands(keys: keys, arguments: arguments)
        return try script.result(of: try await submit(job.commands, fallback: job.fallback))
    }

    /// Sends a blocking command such as `BLPOP`; cancelling the calling task interrupts it.
    public func sendBlocking(_ command: [String]) async throws -> RedisReply {
        try await submit([command], interruptible: true).first ?? .null
    }

    /// Pipelines written so far and the commands in them, over every node (to see how well calls share round
    /// trips).
    public var statistics: (pipelines: Int, commands: Int) {
        router.cores.reduce((0, 0)) { sum, core in
            (sum.0 + core.pipelines.load(ordering: .relaxed), sum.1 + core.commands.load(ordering: .relaxed))
        }
    }

    /// - Parameter slot: where a call without keys goes on a cluster (nil: by its keys, else the last keyed call's).
    /// - Parameter waiting: a thread waits for the call (the shorter retry window on a cluster).
    private func submit(_ commands: [[String]], fallback: [String]? = nil, interruptible: Bool = false,
                        slot: Int? = nil, waiting: Bool = false) async throws -> [RedisReply] {
        if router.mode == .unknown { try await router.detect() }
        if router.mode == .cluster {
            return try await clusterSubmit(commands, fallback: fallback, interruptible: interruptible, slot: slot, waiting: waiting)
        }
        return try await core.perform(commands, fallback: fallback, interruptible: interruptible)
    }

    public static func checked(_ reply: RedisReply) throws -> RedisReply {
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }
}

extension RedisClient {
    // MARK: - For threads owned by a C library (libmicrohttpd's handlers): the same queue, waited on.

    /// ``send(_:)`` for a thread that is not a task's (never call it from a task: it blocks the thread until
    /// the reply).
    public func sendWaiting(_ command: [String]) throws -> RedisReply {
        try wait([command]).first ?? .null
    }

    /// ``execute(_:)`` for a thread that is not a task's.
    @discardableResult
    public func executeWaiting(_ command: [String]) throws -> RedisReply {
        try Self.checked(try sendWaiting(command))
    }

    /// ``pipeline(_:)`` for a thread that is not a task's.
    public func pipelineWaiting(_ commands: [[String]]) throws -> [RedisReply] {
        try wait(commands)
    }

    /// ``run(_:keys:arguments:)`` for a thread that is not a task's.
    public func runWaiting(_ script: RedisScript, keys: [String], arguments: [String]) throws -> RedisReply {
        let job = script.commands(keys: keys, arguments: arguments)
        return try script.result(of: try wait(job.commands, fallback: job.fallback))
    }

    /// With a single node the calling thread drives the connection itself when it is free (see `RedisIOCore`);
    /// on a cluster (or before the first call found out) a task makes the call and the thread waits for it.
    private func wait(_ commands: [[String]], fallback: [String]? = nil) throws -> [RedisReply] {
        if router.mode == .single { return try core.performWaiting(commands, fallback: fallback) }
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[RedisReply], any Error>?>(nil)
        Task {
            do {
                let replies = try await submit(commands, fallback: fallback, waiting: true)
                result.withLock { $0 = .success(replies) }
            } catch {
                result.withLock { $0 = .failure(error) }
            }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

extension RedisClient {
    /// Runs the client for as long as `body` runs, for one-shot commands and tests outside a service group.
    public func withRunning<T: Sendable>(_ body: (RedisClient) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            defer { group.cancelAll() }
            return try await body(self)
        }
    }
}
