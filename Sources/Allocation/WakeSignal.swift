import Synchronization

/// Where idle allocation tasks of one instance wait for a wake-up token from Redis (delivered by the
/// ``WakeListener``), so no task and no thread blocks per idle worker. It also holds what the instance's
/// last claims learnt about the queue, so tasks done with a room do not ask Redis for nothing:
///
/// - **drained**: a claim found the queue empty. Every room queued later pushes a `q` token, and any token
///   clears the flag.
/// - **starved**: a room found no agent under the limit. The queue is strictly first in, first out (a room
///   without capacity goes back to the head), so no other room can be served either until a slot frees:
///   `q` tokens are dropped and only a `c` token (a freed slot, or the periodic nudge) clears the flag.
public final class WakeSignal: Sendable {
    public enum Token: Sendable, Equatable {
        case queue
        case capacity
    }

    private struct State {
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Token?, Never>)] = []
        /// The listener, suspended until a task waits.
        var demand: CheckedContinuation<Void, any Error>?
        var nextID: UInt64 = 0
        var stopped = false
        var drained = false
        var starved = false
    }

    private let state = Mutex(State())

    public init() {}

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
    /// token found the queue empty, or a room since the last `c` token found no capacity.
    public var shouldWait: Bool { state.withLock { $0.drained || $0.starved } }

    public var isStarved: Bool { state.withLock { $0.starved } }

    public func markDrained() { state.withLock { $0.drained = true } }

    public func markStarved() { state.withLock { $0.starved = true } }

    /// Hands a token to the longest waiting task. Returns false when no task took it: none waits, or it is a
    /// `q` token while the instance is starved (dropped: a starved instance has no use for it).
    @discardableResult
    public func deliver(_ token: Token) -> Bool {
        let waiter = state.withLock { state -> CheckedContinuation<Token?, Never>? in
            if token == .queue && state.starved { return nil }
            state.drained = false
            if token == .capacity { state.starved = false }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: token)
        return waiter != nil
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
        let (waiters, listener) = state.withLock { state in
            state.stopped = true
            defer {
                state.waiters.removeAll()
                state.demand = nil
            }
            return (state.waiters.map(\.continuation), state.demand)
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        listener?.resume()
    }
}
