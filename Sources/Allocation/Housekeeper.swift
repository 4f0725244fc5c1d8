import Logging
import Metrics
import Redis
import ServiceLifecycle
import ServiceThread

/// The timers every instance runs (safe when all of them do), as a service: `recover` of expired leases every
/// second, and every `reconcileInterval` the healing of agent loads that are higher in our books than in
/// Qiscus (`reconcile.lua`), a nudge of the queue head (`nudge.lua`: agents coming online send no webhook),
/// the queue gauges, the move of rooms of routes that left the routes file to `default` (`reroute.lua`) and
/// the check that every live instance runs the same routes (`announce.lua`); every `expireInterval` the
/// forgetting of session tombstones older than the tombstone age (`expire.lua`). Each job fails alone: a
/// failing one is logged and retried on the next tick without holding up the others.
public struct Housekeeper: Service, Sendable {
    let store: AllocationStore
    let gateway: any AgentGateway
    let reconcileInterval: Duration
    /// How long after an agent's last reservation Qiscus's count is trusted to include it, in ms.
    let settleMilliseconds: Int
    let recoverInterval: Duration
    /// The longest the refresh of the agents of every route may take per reconcile tick (it is cancelled then).
    let refreshDeadline: Duration = .seconds(5)
    /// The longest the listing of Qiscus's counts may take per reconcile tick (every page of a large contact
    /// center), so a slow Qiscus never holds up the recovery of leases, which runs on this same loop.
    let countsDeadline: Duration = .seconds(10)
    /// This instance's id and the fingerprint of its routes, announced every reconcile tick.
    let identity: (instance: String, routes: String)?
    /// How old a session tombstone must be to be forgotten (`SESSION_TOMBSTONE_SECONDS`), in ms.
    let tombstoneMilliseconds: Int
    /// The period of the expiry of tombstones.
    let expireInterval: Duration
    /// The most `expire.lua` calls per expiry tick (each forgets at most ``Expire/maxBatch`` tombstones).
    let expireCalls = 20
    /// About how many `session` fields each expiry tick scans for tombstones without a recorded time.
    let adoptCount = 1_000
    let logger: Logger

    public init(store: AllocationStore, gateway: any AgentGateway, reconcileInterval: Duration, settleMilliseconds: Int,
                recoverInterval: Duration = .seconds(1), identity: (instance: String, routes: String)? = nil,
                tombstoneMilliseconds: Int = Expire.defaultAgeMilliseconds, expireInterval: Duration = .seconds(10),
                logger: Logger) {
        self.identity = identity
        self.tombstoneMilliseconds = tombstoneMilliseconds
        self.expireInterval = expireInterval
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
        var nextExpiry = clock.now.advanced(by: expireInterval)
        var cursor = "0"
        while true {
            try await attempt("recover") { try await recoverExpired() }
            if clock.now >= nextReconcile, try await attempt("reconcile", { try await reconcile() }) {
                nextReconcile = clock.now.advanced(by: reconcileInterval)
            }
            if clock.now >= nextExpiry, try await attempt("expire", { cursor = try await expireTombstones(cursor: cursor) }) {
                nextExpiry = clock.now.advanced(by: expireInterval)
            }
            try await Task.sleep(for: recoverInterval, clock: clock)
        }
    }

    /// Runs one job; its failure is logged (it is retried on the next tick). True when it succeeded.
    @discardableResult
    private func attempt(_ job: String, _ body: () async throws -> Void) async throws -> Bool {
        do {
            try await body()
            return true
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            logger.warning("housekeeping failed; will retry", metadata: ["job": "\(job)", "error": "\(error)"])
            return false
        }
    }

    /// Forgets the session tombstones older than the tombstone age (of rooms not in play), in batches while some
    /// are due (at most ``expireCalls`` calls), and gives tombstones without a recorded time one. Returns the
    /// adoption cursor for the next tick.
    @discardableResult
    public func expireTombstones(cursor: String = "0") async throws -> String {
        var cursor = cursor
        for call in 0..<expireCalls {
            let answer = try await store.run(Expire(ageMilliseconds: tombstoneMilliseconds, batch: Expire.maxBatch,
                                                    cursor: cursor, adoptCount: call == 0 ? adoptCount : 0))
            if call == 0 { cursor = answer.cursor }
            if answer.forgotten > 0 { Counter(label: "caa_expired_tombstones_total", dimensions: [("app", store.keys.app)]).increment(by: answer.forgotten) }
            if answer.adopted > 0 {
                logger.info("session tombstones without a time got one", metadata: ["tombstones": "\(answer.adopted)"])
            }
            if answer.due == 0 { break }
        }
        return cursor
    }

    /// Puts rooms whose lease expired (a worker died, or its instance was killed) back at the head.
    public func recoverExpired() async throws {
        for _ in 0..<10 {
            let rooms = try await store.run(Recover(batch: 100)).rooms
            guard !rooms.isEmpty else { return }
            Counter(label: "caa_recovered_rooms_total", dimensions: [("app", store.keys.app)]).increment(by: rooms.count)
            logger.notice("recovered rooms whose lease expired", metadata: ["rooms": "\(rooms.joined(separator: ","))"])
        }
    }

    /// Heals loads that are higher in our books than in Qiscus, nudges a worker to look at the queue head
    /// again, and refreshes the gauges.
    public func reconcile() async throws {
        try await healLoads()
        try await store.summary().recordGauges(app: store.keys.app) // before the nudge, which a full Redis refuses
        // Rooms of a route this file does not have move to default only while every live instance runs this
        // same file: during a rolling deploy another instance may still (or already) serve the route.
        if try await announce() { try await rerouteRemovedRoutes() }
        try await store.run(Nudge())
    }

    /// Moves the rooms queued in routes that are no longer in the routes file to `default`, at their place.
    public func rerouteRemovedRoutes() async throws {
        let known = Set(store.routes)
        let recorded = try await store.redis.execute(["SMEMBERS", store.keys.routes]).array?.compactMap(\.string) ?? []
        for route in recorded where !known.contains(route) {
            for _ in 0..<10 {
                let moved = try await store.run(Reroute(route: route))
                if moved.moved > 0 {
                    Counter(label: "caa_rerouted_rooms_total", dimensions: [("app", store.keys.app)]).increment(by: moved.moved)
                    logger.warning("rooms of a route that is no longer in the routes file now wait in default",
                                   metadata: ["route": "\(route)", "rooms": "\(moved.moved)"])
                }
                if moved.code == .empty || moved.left == 0 { break }
            }
        }
    }

    /// Says which routes this instance runs and logs loudly when a live instance runs others. True when every
    /// live instance runs the same routes (or this instance announces nothing).
    func announce() async throws -> Bool {
        guard let identity else { return true }
        let ttl = Int(reconcileInterval.components.seconds) * 3_000 + 5_000
        let answer = try await store.run(Announce(instance: identity.instance, fingerprint: identity.routes,
                                                  ttlMilliseconds: min(max(ttl, 1_000), 86_400_000)))
        Gauge(label: "caa_routes_mismatch", dimensions: [("app", store.keys.app)]).record(answer.code == .different ? 1 : 0)
        if answer.code == .different {
            logger.error("instances run different routes files: rooms may be routed and agents limited differently by each; deploy one routes file to every instance",
                         metadata: ["routes": "\(identity.routes)",
                                    "others": "\(answer.different.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ","))"])
        }
        return answer.code == .agreed
    }

    /// Refreshes what the instance knows of every route's agents, then asks Qiscus for its counts (listing agents
    /// for one of our assigned rooms) and forgets rooms of agents whose settled count is below our books. A
    /// failing API is only logged: the next tick tries again.
    func healLoads() async throws {
        let room = try await store.redis.execute(["ZRANGE", store.keys.assigned, "0", "0"]).array?.first?.string
        // Bounded, so a slow or unreachable Qiscus never holds up the recovery of leases on this same loop.
        _ = await Self.within(refreshDeadline) { await gateway.refreshAgents(room: room) }
        guard let room else { return }
        let started = ContinuousClock.now
        let listing = await Self.within(countsDeadline) { () async -> Result<[Int: Int], any Error> in
            do { return .success(try await gateway.agentCounts(room: room)) } catch { return .failure(error) }
        }
        let counts: [Int: Int]
        switch listing {
        case .success(let listed)?:
            counts = listed
        case .failure(let error)?:
            logger.notice("reconcile could not read agent counts", metadata: ["error": "\(error)"])
            return
        case nil:
            logger.notice("reconcile could not read agent counts in time", metadata: ["deadline": "\(countsDeadline)"])
            return
        }
        // A count read at the listing's start may be that old when the script runs: an agent counts as settled
        // only if it was reserved before the settle time plus the listing's duration.
        let elapsed = started.duration(to: .now)
        let settle = min(86_400_000, settleMilliseconds + Int((elapsed / .milliseconds(1)).rounded(.up)))
        // Every listed agent, in calls of at most Reconcile.maxAgents (a contact center may list thousands).
        let listed = counts.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: listed.count, by: Reconcile.maxAgents) {
            let part = Dictionary(uniqueKeysWithValues: listed[start..<min(listed.count, start + Reconcile.maxAgents)].map { ($0.key, $0.value) })
            for healed in try await store.run(Reconcile(counts: part, settleMilliseconds: settle)).forgotten {
                Counter(label: "caa_reconciled_rooms_total", dimensions: [("app", store.keys.app)]).increment()
                logger.notice("healed a load Qiscus no longer counts (lost resolve webhook, or agent offline)",
                              metadata: ["agent": "\(healed.agent)", "room": "\(healed.room)"])
            }
        }
    }

    /// The value of `body`, or nil when it takes longer than `deadline` (it is cancelled then).
    static func within<T: Sendable>(_ deadline: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await Task.sleep(for: deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
