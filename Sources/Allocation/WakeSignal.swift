import Synchronization

/// Where idle allocation tasks of one instance wait for a wake-up token from Redis (delivered by the
/// ``WakeListener``), so no task and no thread blocks per idle worker. It also holds what the instance's
/// last claims learnt about the queue, so tasks done with a room do not ask Redis for nothing:
///
/// - **drained**: a claim found the queue empty. Every room queued later pushes a `q` token, and any token
///   clears the flag.
/// - **parked routes**: a room of a route found no agent under the limit. Each route's queue is strictly first
///   in, first out (a room without capacity goes back to the head), so no other room of that route can be
///   served either until a slot frees: claims leave the route out until a `c` token (a freed slot, or the
///   periodic nudge) or, for a route whose head will reach its overflow time, until that time. One full
///   route never parks the others. While every route is parked (**starved**) `q` tokens are dropped.
public final class WakeSignal: Sendable {
    public enum Token: Sendable, Equatable {
        case queue
        case capacity
        /// A parked route's retry time came (its head reached its overflow time).
        case retry
    }

    private struct State {
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Token?, Never>)] = []
        /// The listener, suspended until a task waits.
        var demand: CheckedContinuation<Void, any Error>?
        var nextID: UInt64 = 0
        var stopped = false
        var drained = false
        /// Tokens delivered so far, and `c` tokens among them (whether or not a task took them): what a task
        /// learnt from Redis is stale when one came in meanwhile.
        var deliveries: UInt64 = 0
        var capacityDeliveries: UInt64 = 0
        /// Parked routes: until a `c` token (nil), or until then.
        var parked: [String: ContinuousClock.Instant?] = [:]
        /// The retry timer, suspended until a route is parked with a time.
        var timer: CheckedContinuation<Void, Never>?

        func isParked(_ route: String, at now: ContinuousClock.Instant) -> Bool {
            guard let until = parked[route] else { return false }
            return until.map { now < $0 } ?? true
        }
    }

    private let state = Mutex(State())
    /// Every route of the instance, in file order.
    public let routes: [String]

    public init(routes: [String] = [Keyspace.defaultRoute]) {
        precondition(!routes.isEmpty, "a wake signal serves at least one route")
        self.routes = routes
    }

    /// Suspends until a token arrives that a task can use; nil once ``stop()`` was called or when the task is
    /// cancelled.
    public func wait() async -> Token? {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let (accepted, listener) = state.withLock { state -> (Bool, CheckedContinuation<Void, any Error>?) in
                    if state.stopped || Task.isCancelled { return (false, nil) }
                    state.waiters.append((id, continuation))
                    defer { state.demand = nil }
                    return (true, state.demand)
                }
                if accepted { listener?.resume() } else { continuation.resume(returning: nil) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Token?, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Whether a task done with its room should wait for a token rather than claim: a claim since the last
    /// token found the queues empty, or every route is parked.
    public var shouldWait: Bool {
        let now = ContinuousClock.now
        return state.withLock { state in state.drained || routes.allSatisfy { state.isParked($0, at: now) } }
    }

    /// Every route is parked: no claim could be served until a slot frees (or a retry time comes).
    public var isStarved: Bool {
        let now = ContinuousClock.now
        return state.withLock { state in routes.allSatisfy { state.isParked($0, at: now) } }
    }

    /// The routes a claim should look at: those not parked, in file order.
    public var activeRoutes: [String] {
        let now = ContinuousClock.now
        return state.withLock { state in routes.filter { !state.isParked($0, at: now) } }
    }

    /// The routes parked now.
    public var parkedRoutes: Set<String> { Set(routes).subtracting(activeRoutes) }

    public func markDrained() { state.withLock { $0.drained = true } }

    /// Tokens delivered so far (any kind), and rooms given back to their queue (``requeued()``), to pass to
    /// ``markDrained(unlessDeliveredSince:)``.
    public var deliveries: UInt64 { state.withLock { $0.deliveries } }

    /// `c` tokens delivered so far, to pass to ``park(_:retryIn:unlessCapacitySince:)``.
    public var capacityDeliveries: UInt64 { state.withLock { $0.capacityDeliveries } }

    /// Marks the queues drained, unless a token came in since `deliveries` was read (a room queued, or a route
    /// unparked, while the claim that found nothing was under way).
    public func markDrained(unlessDeliveredSince deliveries: UInt64) {
        state.withLock { state in
            if state.deliveries == deliveries { state.drained = true }
        }
    }

    /// ``park(_:retryIn:)``, unless a `c` token came in since `capacityDeliveries` was read: a slot freed while
    /// the room was being tried, so the route is worth another claim. Returns whether the route was parked.
    @discardableResult
    public func park(_ route: String, retryIn: Duration? = nil, unlessCapacitySince capacityDeliveries: UInt64) -> Bool {
        guard state.withLock({ $0.capacityDeliveries == capacityDeliveries }) else { return false }
        park(route, retryIn: retryIn)
        return true
    }

    /// A room this instance held went back to its queue: the queues are not drained. A claim that found them
    /// empty while the room was held (its `c` token woke a task meanwhile) marks them drained no more: this
    /// counts as a delivery for ``markDrained(unlessDeliveredSince:)``.
    public func requeued() {
        state.withLock { state in
            state.deliveries &+= 1
            state.drained = false
        }
    }

    /// Parks every route until a `c` token.
    public func markStarved() { for route in routes { park(route) } }

    /// Leaves the route out of claims until a `c` token, or until `retryIn` passed (then a `retry` token wakes a
    /// task: the route's head reached its overflow time).
    public func park(_ route: String, retryIn: Duration? = nil) {
        let until = retryIn.map { ContinuousClock.now.advanced(by: $0) }
        let timer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.parked[route] = .some(until)
            guard until != nil else { return nil }
            defer { state.timer = nil }
            return state.timer
        }
        timer?.resume()
    }

    /// Takes routes out of the parked set (without waking anyone): their next claim may succeed.
    public func unpark(_ routes: [String]) {
        guard !routes.isEmpty else { return }
        state.withLock { state in for route in routes { state.parked[route] = nil } }
    }

    /// Hands a token to the longest waiting task. Returns false when no task took it: none waits, or it is a
    /// `q` token while every route is parked (dropped: such an instance has no use for it). A `c` token
    /// unparks every route.
    @discardableResult
    public func deliver(_ token: Token) -> Bool {
        let now = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<Token?, Never>? in
            if token == .queue && routes.allSatisfy({ state.isParked($0, at: now) }) { return nil }
            state.deliveries &+= 1
            if token == .capacity { state.capacityDeliveries &+= 1 }
            state.drained = false
            if token == .capacity { state.parked.removeAll() }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: token)
        return waiter != nil
    }

    /// Wakes a task each time a parked route's retry time comes, until stopped or cancelled. The instance's
    /// ``AllocationPool`` runs it.
    func runRetryTimer() async {
        while !isStopped, !Task.isCancelled {
            let next = state.withLock { state in state.parked.values.compactMap { $0 }.min() }
            if let next {
                // Sleeps until the earliest retry time, unless a route is parked meanwhile with an earlier one.
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await Task.sleep(until: next, tolerance: .milliseconds(10), clock: .continuous) }
                    group.addTask { await self.waitForRetryTime(before: next) }
                    await group.next()
                    group.cancelAll()
                }
                if Task.isCancelled { return }
                let now = ContinuousClock.now
                let due = state.withLock { state -> Bool in
                    let due = state.parked.filter { $0.value.map { $0 <= now } ?? false }.map(\.key)
                    for route in due { state.parked[route] = nil }
                    return !due.isEmpty
                }
                if due { deliver(.retry) }
            } else {
                await waitForRetryTime(before: nil)
            }
        }
    }

    /// Suspends the retry timer until a route is parked with a retry time (before `deadline`, when given), the
    /// signal is stopped or the task cancelled.
    private func waitForRetryTime(before deadline: ContinuousClock.Instant?) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    let earliest = state.parked.values.compactMap { $0 }.min()
                    let earlier = earliest.map { earliest in deadline.map { earliest < $0 } ?? true } ?? false
                    if state.stopped || Task.isCancelled || earlier { return true }
                    state.timer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let timer = state.withLock { state in
                defer { state.timer = nil }
                return state.timer
            }
            timer?.resume()
        }
    }

    /// Tasks waiting now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Suspends the listener until a task waits (at once if one does); throws `CancellationError` when the
    /// listener's task is cancelled, and returns at once once stopped.
    func demand() async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { state -> (any Error)?? in
                    if Task.isCancelled { return .some(CancellationError()) }
                    if state.stopped || !state.waiters.isEmpty { return .some(nil) }
                    state.demand = continuation
                    return nil
                }
                switch resumeNow {
                case .none: break
                case .some(nil): continuation.resume()
                case .some(.some(let error)): continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            let listener = state.withLock { state in
                defer { state.demand = nil }
                return state.demand
            }
            listener?.resume(throwing: CancellationError())
        }
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Wakes every waiting task with nil, and every later ``wait()`` returns nil at once.
    public func stop() {
        let (waiters, listener, timer) = state.withLock { state in
            state.stopped = true
            defer {
                state.waiters.removeAll()
                state.demand = nil
                state.timer = nil
            }
            return (state.waiters.map(\.continuation), state.demand, state.timer)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        listener?.resume()
        timer?.resume()
    }
}
