import Dispatch
import Synchronization

/// A fixed-size pool of ``RedisConnection``s, safe to use from any number of threads.
///
/// A borrower gets a connection to itself for the duration of ``withConnection(_:)``. Connections are
/// created lazily and kept; one that broke reconnects on its next command.
public final class RedisPool: Sendable {
    public let configuration: RedisConfiguration
    public let size: Int
    private let idle = Mutex<[RedisConnection]>([])
    private let permits: DispatchSemaphore
    private let acquireTimeout: Double

    /// - Parameters:
    ///   - size: the most connections open at once.
    ///   - acquireTimeout: seconds a borrower waits for a free connection before `poolExhausted`.
    public init(configuration: RedisConfiguration, size: Int, acquireTimeout: Double = 5) {
        precondition(size > 0, "pool size must be positive")
        self.configuration = configuration
        self.size = size
        self.acquireTimeout = acquireTimeout
        self.permits = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a connection that no other thread uses meanwhile.
    public func withConnection<T>(_ body: (RedisConnection) throws -> T) throws -> T {
        guard permits.wait(timeout: .now() + acquireTimeout) == .success else { throw RedisError.poolExhausted }
        defer { permits.signal() }
        let connection = idle.withLock { $0.popLast() } ?? RedisConnection(configuration: configuration)
        defer { idle.withLock { $0.append(connection) } }
        return try body(connection)
    }

    /// Closes every idle connection (those borrowed now close when returned and used again).
    public func closeIdle() {
        let connections = idle.withLock { pool in
            defer { pool.removeAll() }
            return pool
        }
        connections.forEach { $0.disconnect() }
    }
}
