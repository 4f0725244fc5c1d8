import Logging
import Redis
import ServiceLifecycle
import ServiceThread

/// Blocks on the app's wake list (`BLPOP`) over a connection of its own, only while some task waits, and hands
/// each token to a ``WakeSignal``: a new room or a freed slot reaches an idle task within a millisecond, and idle
/// tasks cost no thread and no Redis calls. Runs as a service; graceful shutdown or cancellation interrupts the
/// blocked read at once.
public final class WakeListener: Service, Sendable {
    let keys: Keyspace
    let signal: WakeSignal
    /// A client of its own: a blocked `BLPOP` would hold up every command queued behind it.
    let redis: RedisClient
    /// Longest single block on the wake list, in seconds: a bound on a read from a connection that died silently.
    let blockSeconds: Int
    let logger: Logger

    public init(keys: Keyspace, redis configuration: RedisConfiguration, signal: WakeSignal, blockSeconds: Int = 10,
                logger: Logger) {
        var configuration = configuration
        configuration.commandTimeout = Double(blockSeconds) + 5
        self.keys = keys
        self.redis = RedisClient(configuration: configuration, maxBatch: 1)
        self.signal = signal
        self.blockSeconds = blockSeconds
        self.logger = logger
    }

    /// Listens until graceful shutdown or cancellation.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.redis.run() }
            group.addTask { try await runUntilGracefulShutdown { try await self.listen() } }
            try await group.next()
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    private func listen() async throws {
        while true {
            if signal.isStopped {
                // The allocation tasks are gone; wait for the shutdown that reaches this service too.
                try await gracefulShutdown()
                return
            }
            try await signal.demand()
            do {
                let reply = try await redis.sendBlocking(["BLPOP", keys.wake, String(blockSeconds)])
                switch reply.array?.last?.string {
                case "c": signal.deliver(.capacity)
                case .some: signal.deliver(.queue)
                case nil: break
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                try Task.checkCancellation()
                logger.error("Redis error while waiting for work, retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
