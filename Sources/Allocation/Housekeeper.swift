import Logging
import Metrics
import Redis
import ServiceLifecycle
import ServiceThread

/// The timers every instance runs (safe when all of them do), as a service: `recover` of expired leases every
/// second, and every `reconcileInterval` the healing of agent loads that are higher in our books than in
/// Qiscus (`reconcile.lua`), a nudge of the queue head (`nudge.lua`: agents coming online send no webhook)
/// and the queue gauges.
public struct Housekeeper: Service, Sendable {
    let store: AllocationStore
    let gateway: any AgentGateway
    let reconcileInterval: Duration
    /// How long after an agent's last reservation Qiscus's count is trusted to include it, in ms.
    let settleMilliseconds: Int
    let recoverInterval: Duration
    let logger: Logger

    public init(store: AllocationStore, gateway: any AgentGateway, reconcileInterval: Duration, settleMilliseconds: Int,
                recoverInterval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.gateway = gateway
        self.reconcileInterval = reconcileInterval
        self.settleMilliseconds = settleMilliseconds
        self.recoverInterval = recoverInterval
        self.logger = logger
    }

    /// Ticks until graceful shutdown or cancellation.
    public func run() async throws {
        try await runUntilGracefulShutdown { try await tick() }
    }

    private func tick() async throws {
        let clock = ContinuousClock()
        var nextReconcile = clock.now.advanced(by: reconcileInterval)
        while true {
            do {
                try await recoverExpired()
                if clock.now >= nextReconcile {
                    try await reconcile()
                    nextReconcile = clock.now.advanced(by: reconcileInterval)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                logger.warning("housekeeping failed; will retry", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: recoverInterval, clock: clock)
        }
    }

    /// Puts rooms whose lease expired (a worker died, or its instance was killed) back at the head.
    public func recoverExpired() async throws {
        for _ in 0..<10 {
            let rooms = try await store.run(Recover(batch: 100)).rooms
            guard !rooms.isEmpty else { return }
            Counter(label: "caa_recovered_rooms_total").increment(by: rooms.count)
            logger.notice("recovered rooms whose lease expired", metadata: ["rooms": "\(rooms.joined(separator: ","))"])
        }
    }

    /// Heals loads that are higher in our books than in Qiscus, nudges a worker to look at the queue head
    /// again, and refreshes the gauges.
    public func reconcile() async throws {
        try await healLoads()
        try await store.summary().recordGauges() // before the nudge, which a full Redis refuses
        try await store.run(Nudge())
    }

    /// Asks Qiscus for its counts (listing agents for one of our assigned rooms) and forgets rooms of agents
    /// whose settled count is below our books. A failing API is only logged: the next tick tries again.
    func healLoads() async throws {
        guard let room = try await store.redis.execute(["ZRANGE", store.keys.assigned, "0", "0"]).array?.first?.string else {
            return
        }
        let counts: [Int: Int]
        do {
            counts = try await gateway.agentCounts(room: room)
        } catch {
            logger.notice("reconcile could not read agent counts", metadata: ["error": "\(error)"])
            return
        }
        for healed in try await store.run(Reconcile(counts: counts, settleMilliseconds: settleMilliseconds)).forgotten {
            Counter(label: "caa_reconciled_rooms_total").increment()
            logger.notice("healed a load Qiscus no longer counts (lost resolve webhook, or agent offline)",
                          metadata: ["agent": "\(healed.agent)", "room": "\(healed.room)"])
        }
    }
}
