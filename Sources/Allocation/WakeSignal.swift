import Dispatch
import Synchronization

/// Where idle allocation tasks of one instance wait for a wake-up token from Redis (delivered by a
/// ``WakeListener``), so no task and no thread blocks per idle worker. It also holds what the instance's
/// last claims learnt about the queue, so tasks done with a room do not ask Redis for nothing:
///
/// - **drained**: a claim found the queue empty. Every room queued later pushes a `q` token, and any token
///   clears the flag.
/// - **starved**: a room found no agent under the limit. The queue is strictly first in, first out (a room
///   without capacity goes back to the head), so no other room can be served either until a slot frees:
///   `q` tokens are dropped and only a `c` token (a freed slot, or the periodic re-check) clears the flag.
public final class WakeSignal: Sendable {
    public enum Token: Sendable, Equatable {
        case queue
        case capacity
    }

    private struct State {
        var waiters: [CheckedContinuation<Token?, Never>] = []
        var stopped = false
        var drained = false
        var starved = false
    }

    private let state = Mutex(State())
    /// Signalled when a task starts waiting, so the listener reads Redis only while someone waits.
    private let demand = DispatchSemaphore(value: 0)

    public init() {}

    /// Suspends until a token arrives that a task can use; nil once ``stop()`` was called.
    public func wait() async -> Token? {
        await withCheckedContinuation { continuation in
            let added = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.waiters.append(continuation)
                return true
            }
            if added { demand.signal() } else { continuation.resume(returning: nil) }
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
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume(returning: token)
        return waiter != nil
    }

    /// Tasks waiting now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Blocks the calling thread (the listener's) until a task waits or `seconds` pass; true if one waits.
    func awaitDemand(seconds: Double) -> Bool {
        if waiting > 0 { return true }
        _ = demand.wait(timeout: .now() + seconds)
        return waiting > 0
    }

    public var isStopped: Bool { state.withLock { $0.stopped } }

    /// Wakes every waiting task with nil, and every later ``wait()`` returns nil at once.
    public func stop() {
        let waiters = state.withLock { state -> [CheckedContinuation<Token?, Never>] in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: nil) }
        demand.signal()
    }
}
