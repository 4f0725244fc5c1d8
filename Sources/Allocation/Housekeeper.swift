import Foundation
import Logging
import Metrics
import Redis

/// The timers every instance runs (safe when all of them do): `recover` of expired leases every second,
/// and every `reconcileInterval` a re-check of the queue head (a `c` wake-up, since agents coming online
/// send no webhook) plus the queue gauges.
public final class Housekeeper: @unchecked Sendable {
    let store: AllocationStore
    let connection: RedisConnection
    let reconcileInterval: Double
    let recoverInterval: Double
    let logger: Logger
    let shouldStop: @Sendable () -> Bool

    public init(store: AllocationStore, connection: RedisConnection, reconcileInterval: Double,
                recoverInterval: Double = 1, logger: Logger, shouldStop: @escaping @Sendable () -> Bool) {
        self.store = store
        self.connection = connection
        self.reconcileInterval = reconcileInterval
        self.recoverInterval = recoverInterval
        self.logger = logger
        self.shouldStop = shouldStop
    }

    /// Runs until `shouldStop` turns true.
    public func run() {
        var nextReconcile = Date().addingTimeInterval(reconcileInterval)
        while !shouldStop() {
            do {
                try recoverExpired()
                if Date() >= nextReconcile {
                    try reconcile()
                    nextReconcile = Date().addingTimeInterval(reconcileInterval)
                }
            } catch {
                logger.warning("housekeeping failed; will retry", metadata: ["error": "\(error)"])
            }
            let deadline = Date().addingTimeInterval(recoverInterval)
            while !shouldStop(), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
    }

    /// Puts rooms whose lease expired (a worker died, or its instance was killed) back at the head.
    public func recoverExpired() throws {
        for _ in 0..<10 {
            let result = try store.recover(batch: 100, on: connection)
            guard result.code == .recovered else { return }
            Counter(label: "caa_recovered_rooms_total").increment(by: result.rooms.count)
            logger.notice("recovered rooms whose lease expired", metadata: ["rooms": "\(result.rooms.joined(separator: ","))"])
        }
    }

    /// Wakes a worker to look at the queue head again and refreshes the gauges.
    public func reconcile() throws {
        let summary = try store.summary(on: connection)
        Gauge(label: "caa_queue_length").record(summary.queued)
        Gauge(label: "caa_rooms_in_flight").record(summary.inFlight)
        Gauge(label: "caa_dead_rooms").record(summary.dead)
        if summary.queued > 0 {
            try connection.execute(["RPUSH", store.keys.wake, "c"])
            try connection.execute(["LTRIM", store.keys.wake, String(-store.wakeCap), "-1"])
        }
    }
}
