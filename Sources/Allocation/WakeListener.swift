import Foundation
import Logging
import Redis

/// The one thread per instance that blocks on the wake list (`BLPOP`), only while some task waits, and
/// hands each token to a ``WakeSignal``: a new room or a freed slot reaches an idle task within a
/// millisecond, and idle tasks cost no thread and no Redis calls.
public final class WakeListener: @unchecked Sendable {
    let store: AllocationStore
    let connection: RedisConnection
    let signal: WakeSignal
    /// Longest single block on the wake list, in seconds: how soon the listener notices ``WakeSignal/stop()``.
    let idleWait: Double
    let logger: Logger

    public init(store: AllocationStore, connection: RedisConnection, signal: WakeSignal, idleWait: Double = 1,
                logger: Logger) {
        self.store = store
        self.connection = connection
        self.signal = signal
        self.idleWait = idleWait
        self.logger = logger
    }

    /// Runs until the signal is stopped.
    public func run() {
        while !signal.isStopped {
            guard signal.awaitDemand(seconds: idleWait) else { continue }
            do {
                let reply = try connection.withTimeout(idleWait + 5) {
                    try connection.execute(["BLPOP", store.keys.wake, String(format: "%.3f", idleWait)])
                }
                switch reply.array?.last?.string {
                case "c": signal.deliver(.capacity)
                case .some: signal.deliver(.queue)
                case nil: break
                }
            } catch {
                logger.error("Redis error while waiting for work, retrying", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
        connection.disconnect()
    }
}
