import Logging
import Metrics
import Redis
import ServiceLifecycle

/// One allocation loop, run as a task: claim the room waiting longest among the routes that are not full, take
/// the online agents of its route (and of its overflow route once it waited long enough) from the instance's
/// shared ``AgentViews``, reserve one in Redis (`reserve.lua`), assign it through the gateway, commit or roll
/// back. An instance runs
/// `WORKER_CONCURRENCY` of them (an ``AllocationPool``) over one ``RedisClient`` and one gateway, so an
/// allocation waiting on the API holds no thread. An idle loop waits on the ``WakeSignal``, so a new room or a
/// freed slot is served within milliseconds and an idle loop costs nothing.
public struct AllocationWorker: Sendable {
    public let name: String
    let store: AllocationStore
    let gateway: any AgentGateway
    let views: AgentViews
    let wake: WakeSignal
    let gate: AllocationGate
    let settings: WorkerSettings
    let logger: Logger
    let checkpoint: @Sendable (WorkerStep) -> Void

    /// - Parameter views: the agent views every task of the instance shares; nil: a listing per room (as
    ///   `AGENT_VIEW_MAX_AGE_MS=0`).
    public init(name: String, store: AllocationStore, gateway: any AgentGateway, views: AgentViews? = nil,
                wake: WakeSignal, gate: AllocationGate = AllocationGate(), settings: WorkerSettings, logger: Logger,
                checkpoint: @escaping @Sendable (WorkerStep) -> Void = { _ in }) {
        self.name = name
        self.store = store
        self.gateway = gateway
        self.views = views ?? AgentViews(gateway: gateway, maxAgeMilliseconds: 0)
        self.wake = wake
        self.gate = gate
        self.settings = settings
        var logger = logger
        logger[metadataKey: "worker"] = "\(name)"
        self.logger = logger
        self.checkpoint = checkpoint
    }

    /// Works until graceful shutdown (or cancellation, or the wake signal stops); a room in hand is finished
    /// (or requeued) first. A loop done with its room claims the next one unless the instance learnt that
    /// there is nothing to do (queues empty, or every route full: ``WakeSignal/shouldWait``); then it waits for
    /// a token.
    public func run() async {
        logger.debug("worker started")
        var woken = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            if gate.isPaused {
                await gate.waitUntilRunning() // a service fault: no claim until the probe sees Qiscus answer
                woken = true
                continue
            }
            do {
                if woken || !wake.shouldWait {
                    let deliveries = wake.deliveries
                    let next = try await next(consumesWakeToken: !woken)
                    woken = false
                    if let (_, remaining, routes) = next {
                        if remaining == 0 && routes == 1 { wake.markDrained(unlessDeliveredSince: deliveries) }
                        continue
                    }
                    wake.markDrained(unlessDeliveredSince: deliveries)
                }
                guard await wake.wait() != nil else { break }
                woken = true
            } catch {
                logger.error("Redis error in worker, retrying", metadata: ["error": "\(error)"])
                guard await pause(0.5) else { break }
            }
        }
        logger.debug("worker stopped")
    }

    /// Claims and handles one room. Returns nil when the queue was empty.
    @discardableResult
    public func step() async throws -> AllocationOutcome? {
        try await next(consumesWakeToken: false)?.outcome
    }

    /// Claims and handles one room; also says how many rooms were still queued in its route after the claim,
    /// and over how many routes the claim looked. Nil when the routes not parked had no room queued.
    private func next(consumesWakeToken: Bool) async throws -> (outcome: AllocationOutcome, remaining: Int, routes: Int)? {
        while true {
            let routes = wake.activeRoutes
            guard !routes.isEmpty else { return nil }
            let token = "\(name)-\(UInt64.random(in: 0...UInt64.max))"
            let claim = try await store.run(Claim(token: token, leaseMilliseconds: settings.leaseMilliseconds,
                                                  consumesWakeToken: consumesWakeToken, routes: routes))
            switch claim.code {
            case .empty:
                return nil
            case .droppedOrphan:
                logger.warning("dropped a queue entry whose room was not queued", metadata: ["room": "\(claim.room ?? "")"])
            case .claimed:
                guard let room = claim.room, let route = claim.route else {
                    throw ScriptError.unexpectedReply(script: Claim.name, reply: "no room")
                }
                checkpoint(.claimed)
                let outcome: AllocationOutcome
                do {
                    outcome = try await allocate(room: room, token: token, reserved: claim.reservedAgent, route: route,
                                                 waitedMilliseconds: claim.waitedMilliseconds ?? 0)
                } catch let error as ScriptError where error.meansRoomLost {
                    // Resolved meanwhile, or recovered by another worker: nothing to undo, the room has a new owner.
                    logger.notice("lost the room to another owner", metadata: ["room": "\(room)", "reason": "\(error)"])
                    outcome = .leaseLost
                } catch let error as RedisError where error.isUnavailable {
                    // A script refused before it ran (out of memory, read-only): give the room back at its place now
                    // rather than when its lease ends (rollback runs under OOM; it changes nothing if the room holds
                    // a reservation, which then waits for its lease).
                    if (try? await store.run(Rollback(room: room, token: token, agent: nil, to: .requeue, route: route))) != nil {
                        wake.requeued() // a task that found the queue empty meanwhile must not leave it drained
                    }
                    throw error
                }
                Counter(label: "caa_allocations_total", dimensions: [("app", store.keys.app), ("outcome", outcome.label)]).increment()
                if claim.remaining == 0, case .assigned = outcome {
                    // Nobody waits in this route any more: rooms of routes that overflow into it may take its agents now.
                    wake.unpark(settings.routes.filter { $0.overflow?.route == route }.map(\.name))
                }
                return (outcome, claim.remaining ?? 1, routes.count)
            }
        }
    }

    /// The allocation of one claimed room of a route. A lost lease is thrown as ``ScriptError``.
    func allocate(room: String, token: String, reserved: Int?, route: String = Keyspace.defaultRoute,
                  waitedMilliseconds: Int = 0) async throws -> AllocationOutcome {
        var log = RoomLogger(logger, metadata: ["room": "\(room)", "route": "\(route)"])
        let held = HeldRoom(room: room, token: token, route: route)
        let plan = settings.plan(of: route)
        let overflow = plan.overflow.flatMap { waitedMilliseconds >= $0.afterMilliseconds ? $0 : nil }
        var own: AgentListing?
        var others: AgentListing?
        if reserved == nil {
            let listed = try await list(route, held, log: log)
            guard case .success(let listing) = listed else {
                return try await unsuccessful(listed, call: gateway.listingCall(of: route), held, agent: nil, log: log)
            }
            own = listing
            if let overflow {
                if case .success(let listing) = try await list(overflow.route, held, log: log) {
                    others = listing
                } else {
                    // The room's own agents were listed: it is still served by them when one has room.
                    log.notice("the overflow route's agents could not be listed; only the room's own route is tried",
                               metadata: ["overflow": "\(overflow.route)"])
                }
                // The own view may have aged past its max age meanwhile: take it again (a lock while fresh).
                if listing.age() >= views.maxAge, views.maxAge > .zero {
                    let listed = try await list(route, held, log: log)
                    guard case .success(let fresh) = listed else {
                        return try await unsuccessful(listed, call: gateway.listingCall(of: route), held, agent: nil, log: log)
                    }
                    own = fresh
                }
            }
            Timer(label: "caa_agent_view_age_seconds", dimensions: [("app", store.keys.app), ("route", route)]).record(duration: own?.age() ?? .zero)
        }
        let capacityDeliveries = wake.capacityDeliveries
        let (reservation, offered) = try await reserve(held, own: own, overflow: others, overflowRoute: overflow?.route)
        switch reservation.code {
        case .noCapacity:
            try await store.run(Rollback(room: room, token: token, agent: nil, to: .requeue, route: route))
            // The room is back at the head of its route: no other room of the route can be served before a slot
            // frees, or before this room reaches its overflow time.
            let retry = plan.overflow.flatMap { plan in
                overflow == nil ? Duration.milliseconds(plan.afterMilliseconds - waitedMilliseconds) : nil
            }
            if !wake.park(route, retryIn: retry, unlessCapacitySince: capacityDeliveries) {
                // A slot freed while the room was tried, and its `c` token may have woken a task of this instance
                // whose claim found the queue empty (the room was in flight) and marked it drained: nothing would
                // claim the room again before the next nudge. It is queued again: say so, so it is claimed now.
                wake.requeued()
            }
            log.debug("no agent under the limit; the route waits for a free slot",
                      metadata: ["candidates": "\(offered)"])
            return .noCapacity
        case .alreadyAssigned:
            return .alreadyAssigned
        case .reserved, .alreadyReserved:
            guard let agent = reservation.agent else {
                throw ScriptError.unexpectedReply(script: Reserve.name, reply: "\(reservation)")
            }
            log[metadataKey: "agent"] = "\(agent)"
            if reservation.overflow { log[metadataKey: "overflow"] = "\(overflow?.route ?? "")" }
            checkpoint(.reserved)
            return try await assign(held, agent: agent, reservedNow: reservation.code == .reserved, log: log)
        }
    }

    /// The listing of a route's agents the room is allocated from (shared while fresh: ``AgentView``).
    private func list(_ route: String, _ held: HeldRoom, log: RoomLogger) async throws -> CallResult<AgentListing> {
        let view = views.view(of: route)
        return try await call(gateway.listingCall(of: route), held, log: log, measured: false) {
            try await view.listing(room: held.room)
        }
    }

    /// Reserves an agent for the room among the listed ones: the whole listing in one call when it fits
    /// ``AgentViews/windowSize``, else window by window, the agents estimated least loaded first, until one has
    /// room or every agent was offered. The overflow route's agents come with the room's last own window.
    /// Returns the last answer and how many candidates were offered in all.
    private func reserve(_ held: HeldRoom, own: AgentListing?, overflow: AgentListing?,
                         overflowRoute: String?) async throws -> (Reserve.Outcome, offered: Int) {
        let (size, strategy, limit) = (AgentViews.windowSize, settings.strategy, settings.limit)
        let ownIDs = overflow == nil ? [] : Set(own?.agents.map(\.id) ?? [])
        var tried = Set<Int>()
        var offered = 0
        while true {
            let mine = own?.window(size: size, excluding: tried, strategy: strategy, limit: limit) ?? .none
            let theirs = mine.more ? .none
                : overflow?.window(size: size, excluding: tried.union(ownIDs), strategy: strategy, limit: limit) ?? .none
            let reservation = try await store.run(Reserve(room: held.room, token: held.token, limit: limit,
                                                          strategy: strategy,
                                                          releaseWindowMilliseconds: settings.releaseWindowMilliseconds,
                                                          candidates: mine.candidates, overflow: theirs.candidates,
                                                          overflowRoute: overflowRoute))
            offered += mine.candidates.count + theirs.candidates.count
            switch reservation.code {
            case .reserved:
                if let agent = reservation.agent, let load = reservation.load {
                    (reservation.overflow ? overflow : own)?.noteReserved(agent: agent, load: load)
                }
                return (reservation, offered)
            case .noCapacity:
                own?.noteFull(mine.candidates, limit: limit)
                overflow?.noteFull(theirs.candidates, limit: limit)
                guard mine.more || theirs.more else { return (reservation, offered) }
                tried.formUnion(mine.candidates.map(\.id))
                tried.formUnion(theirs.candidates.map(\.id))
            case .alreadyReserved, .alreadyAssigned:
                return (reservation, offered)
            }
        }
    }

    /// A room this task holds: its lease token and the route whose queue it goes back to.
    struct HeldRoom {
        let room: String
        let token: String
        let route: String
    }

    /// - Parameter reservedNow: this task reserved the agent (no earlier assign of the room can have reached
    ///   Qiscus), so an assign Qiscus refuses may undo the reservation at once.
    private func assign(_ held: HeldRoom, agent: Int, reservedNow: Bool, log: RoomLogger) async throws -> AllocationOutcome {
        let (room, token) = (held.room, held.token)
        let assigned = try await call("assign_agent", held, log: log) {
            try await gateway.assign(room: room, agent: agent)
        }
        guard case .success = assigned else {
            return try await unsuccessful(assigned, call: "assign_agent", held, agent: agent, reservedNow: reservedNow, log: log)
        }
        checkpoint(.assigned)
        // A lost lease here is thrown and never rolled back: the room was recovered (the next claimer repeats the
        // same assign) or resolved meanwhile.
        let commit = try await store.run(Commit(room: room, token: token, agent: agent, route: held.route))
        checkpoint(.committed)
        switch commit.code {
        case .committed:
            let waited = commit.waitedMilliseconds
            if let waited {
                Timer(label: "caa_webhook_to_assign_seconds", dimensions: [("app", store.keys.app)]).recordMilliseconds(waited)
            }
            Counter(label: "caa_rooms_served_total", dimensions: [("app", store.keys.app), ("route", held.route)]).increment()
            log.info("room assigned", metadata: ["waited_ms": "\(waited.map(String.init) ?? "?")"])
            return .assigned(agent: agent, waited: waited)
        case .alreadyCommitted:
            return .alreadyAssigned
        }
    }

    /// A Qiscus call that did not succeed: the instance is stopping, or a fault about the service paused
    /// allocation (either way the room goes back to its place: ``giveBack(_:agent:refused:reservedNow:)``), or the
    /// last try failed (to the dead list with the reason, which `allocator requeue-dead` undoes).
    private func unsuccessful<T>(_ result: CallResult<T>, call: String, _ held: HeldRoom, agent: Int?,
                                 reservedNow: Bool = false, log: RoomLogger) async throws -> AllocationOutcome {
        let (room, token, route) = (held.room, held.token, held.route)
        switch result {
        case .success:
            return .leaseLost
        case .stopping(let reason, let refused):
            try await giveBack(held, agent: agent, refused: refused, reservedNow: reservedNow)
            return .requeued(reason: reason)
        case .serviceFault(let failure, let refused):
            let reason = "\(call): \(failure)"
            if gate.pause(reason: reason) {
                log.error("Qiscus fault about the service, not the room: allocation paused; rooms keep their place in line and webhooks are still stored; it resumes by itself once Qiscus answers",
                          metadata: ["reason": "\(reason)"])
            }
            try await giveBack(held, agent: agent, refused: refused, reservedNow: reservedNow)
            return .paused(reason: reason)
        case .failed(let failure):
            let reason = "\(call): \(failure)"
            try await store.run(Rollback(room: room, token: token, agent: agent, to: .dead(reason: reason), route: route))
            log.error("Qiscus call failed for good; room moved to the dead list", metadata: ["reason": "\(reason)"])
            return .dead(reason: reason)
        }
    }

    /// Gives a room this task holds back to its place in line. When nothing of it reached Qiscus (no agent was
    /// assigned yet, or every try was `refused` right after this task reserved the agent), its reservation, if
    /// any, is undone and it is back at once. Otherwise an assign may have reached Qiscus, so the room keeps its
    /// reservation: its lease is cut to a millisecond and the next `recover.lua` (any instance, every second)
    /// puts it back at its place holding the same agent, whose assign is then repeated (idempotent).
    private func giveBack(_ held: HeldRoom, agent: Int?, refused: Bool, reservedNow: Bool) async throws {
        if agent == nil || (refused && reservedNow) {
            try await store.run(Rollback(room: held.room, token: held.token, agent: agent, to: .requeue, route: held.route))
        } else {
            try await store.run(Extend(room: held.room, token: held.token, leaseMilliseconds: 1))
        }
    }

    /// What became of an API call with its retries. `refused` (stopping, service fault): every try was refused by
    /// the API without effect (``GatewayFailure/refusedWithoutEffect``), so none can have reached Qiscus.
    enum CallResult<T: Sendable>: Sendable {
        case success(T)
        /// Not retryable, or out of tries.
        case failed(String)
        case stopping(String, refused: Bool)
        /// A fault about the service (see ``GatewayFailure/isServiceFault``).
        case serviceFault(String, refused: Bool)
    }

    /// Calls the gateway with bounded retries; extends the lease before each retry so a slow API can not
    /// make `recover` hand the room to another worker meanwhile (a lost lease is thrown).
    /// - Parameter measured: the call's duration and errors are metrics of the API call (false for a listing
    ///   through the view, which measures its own listings).
    private func call<T: Sendable>(_ name: String, _ held: HeldRoom, log: RoomLogger, measured: Bool = true,
                                   _ body: () async throws -> T) async throws -> CallResult<T> {
        var retry = 0
        var refused = true
        let clock = ContinuousClock()
        while true {
            let started = clock.now
            do {
                let value = try await body()
                if measured { GatewayMetrics.record(name, app: store.keys.app, since: started) }
                return .success(value)
            } catch {
                if measured { GatewayMetrics.record(name, app: store.keys.app, since: started, error: error) }
                let failure = error as? GatewayFailure
                let reason = failure?.description ?? "\(error)"
                let serviceFault = failure?.isServiceFault == true
                refused = refused && failure?.refusedWithoutEffect == true
                retry += 1
                guard failure?.isRetryable == true, retry < settings.retry.attempts, !(serviceFault && gate.isPaused) else {
                    return serviceFault ? .serviceFault(reason, refused: refused) : .failed(reason)
                }
                let delay = settings.retry.delay(beforeRetry: retry, retryAfter: failure?.retryAfter)
                log.notice("Qiscus call failed; retrying",
                           metadata: ["call": "\(name)", "reason": "\(reason)", "retry_in_s": "\(delay)"])
                if Task.isShuttingDownGracefully { return .stopping(reason, refused: refused) }
                try await store.run(Extend(room: held.room, token: held.token, leaseMilliseconds: settings.leaseMilliseconds))
                guard await pause(delay) else { return .stopping(reason, refused: refused) }
            }
        }
    }

    /// Sleeps `seconds`; false when graceful shutdown (or cancellation) came first.
    private func pause(_ seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await Task.sleep(for: .seconds(seconds))) != nil }
            group.addTask {
                do { try await gracefulShutdown() } catch { return true }
                return false
            }
            let slept = await group.next() ?? false
            group.cancelAll()
            return slept
        }
    }
}
