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
public final class RedisClient: Service, Sendable {
    public let configuration: RedisConfiguration
    let core: RedisIOCore

    /// - Parameter maxBatch: the most commands written in one pipeline.
    public init(configuration: RedisConfiguration, maxBatch: Int = 256) {
        self.configuration = configuration
        core = RedisIOCore(connection: RedisConnection(configuration: configuration), maxBatch: max(1, maxBatch))
    }

    /// Runs the I/O thread until graceful shutdown or cancellation. Commands sent before it starts wait for
    /// it; commands sent after it ended fail with `RedisError.closed`.
    public func run() async throws {
        await ServiceThread.run(name: "redis-io", loop: { [core] in core.loop() }, stop: { [core] in core.stop() })
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

    /// Pipelines written so far and the commands in them (to see how well calls share round trips).
    public var statistics: (pipelines: Int, commands: Int) {
        (core.pipelines.load(ordering: .relaxed), core.commands.load(ordering: .relaxed))
    }

    private func submit(_ commands: [[String]], fallback: [String]? = nil,
                        interruptible: Bool = false) async throws -> [RedisReply] {
        let id = core.nextID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                core.submit(RedisIOCore.Job(id: id, commands: commands, fallback: fallback, interruptible: interruptible) {
                    continuation.resume(with: $0)
                })
            }
        } onCancel: { [core] in
            core.cancel(id)
        }
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

    private func wait(_ commands: [[String]], fallback: [String]? = nil) throws -> [RedisReply] {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[RedisReply], any Error>?>(nil)
        core.submitWaiting(RedisIOCore.Job(id: core.nextID(), commands: commands, fallback: fallback, interruptible: false) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        })
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
