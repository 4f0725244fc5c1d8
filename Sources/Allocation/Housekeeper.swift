import Foundation
import Logging
import Metrics
import Redis

/// The timers every instance runs (safe when all of them do): `recover` of expired leases every second,
/// and every `reconcileInterval` a re-check of the queue head (a `c` wake-up, since agents coming online
/// send no webhook), the healing of agent loads that are higher in our books than in Qiscus
/// (`reconcile.lua`), and the queue gauges.
public final class Housekeeper: @unchecked Sendable {
    let store: AllocationStore
    let connection: RedisConnection
    let gateway: any AgentGateway
    let reconcileInterval: Double
    /// How long after an agent's last reservation Qiscus's count is trusted to include it, in ms.
    let settleMilliseconds: Int
    let recoverInterval: Double
    let logger: Logger
    let shouldStop: @Sendable () -> Bool

    public init(store: AllocationStore, connection: RedisConnection, gateway: any AgentGateway, reconcileInterval: Double,
                settleMilliseconds: Int, recoverInterval: Double = 1, logger: Logger,
                shouldStop: @escaping @Sendable () -> Bool) {
        self.store = store
        self.connection = connection
        self.gateway = gateway
        self.reconcileInterval = reconcileInterval
        self.settleMilliseconds = settleMilliseconds
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

    /// Asks Qiscus for its counts (listing agents for one of our assigned rooms) and forgets rooms of agents
    /// whose settled count is below our books. A failing API is only logged: the next tick tries again.
    func healLoads() throws {
        guard let room = try connection.execute(["ZRANGE", store.keys.assigned, "0", "0"]).array?.first?.string else {
            return
        }
        let counts: [Int: Int]
        do {
            counts = try BlockingCall.wait { [gateway] in try await gateway.agentCounts(room: room) }
        } catch {
            logger.notice("reconcile could not read agent counts", metadata: ["error": "\(error)"])
            return
        }
        let result = try store.reconcile(counts: counts, settleMilliseconds: settleMilliseconds, on: connection)
        for (agent, forgotten) in result.forgotten {
            Counter(label: "caa_reconciled_rooms_total").increment()
            logger.notice("healed a load Qiscus no longer counts (lost resolve webhook, or agent offline)",
                          metadata: ["agent": "\(agent)", "room": "\(forgotten)"])
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

    /// Heals loads that are higher in our books than in Qiscus, wakes a worker to look at the queue head
    /// again, and refreshes the gauges.
    public func reconcile() throws {
        try healLoads()
        let summary = try store.summary(on: connection)
        summary.recordGauges()
        if summary.queued > 0 {
            try connection.execute(["RPUSH", store.keys.wake, "c"])
            try connection.execute(["LTRIM", store.keys.wake, String(-store.wakeCap), "-1"])
        }
    }
}
