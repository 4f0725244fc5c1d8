import Dispatch
import Synchronization

/// Where idle allocation tasks of one instance wait for a wake-up token from Redis (delivered by a
/// ``WakeListener``), so no task and no thread blocks per idle worker.
///
/// A `queue` token (a room was queued) wakes a task that is not starved; a `capacity` token (a slot was
/// freed, or the periodic re-check) wakes any task and ends its starvation. A queue token that only starved
/// tasks could take is dropped, as a starved worker would drain it.
public final class WakeSignal: Sendable {
    public enum Token: Sendable, Equatable {
        case queue
        case capacity
    }

    private struct Waiter {
        let starved: Bool
        let continuation: CheckedContinuation<Token?, Never>
    }

    private struct State {
        var waiters: [Waiter] = []
        var stopped = false
        var drained = false
    }

    private let state = Mutex(State())
    /// Signalled when a task starts waiting, so the listener reads Redis only while someone waits.
    private let demand = DispatchSemaphore(value: 0)

    public init() {}

    /// Suspends until a token this task can use arrives; nil once ``stop()`` was called.
    public func wait(starved: Bool) async -> Token? {
        await withCheckedContinuation { continuation in
            let added = state.withLock { state -> Bool in
                if state.stopped { return false }
                state.waiters.append(Waiter(starved: starved, continuation: continuation))
                return true
            }
            if added { demand.signal() } else { continuation.resume(returning: nil) }
        }
    }

    /// Whether a claim of this instance found the queue empty since the last token arrived: a task done with
    /// its room then waits for a token instead of asking Redis again. Every room queued later pushes a token,
    /// and any token clears the flag.
    public var isDrained: Bool { state.withLock { $0.drained } }

    public func markDrained() { state.withLock { $0.drained = true } }

    /// Hands a token to the longest waiting task that can use it. Returns false when no such task waits.
    @discardableResult
    public func deliver(_ token: Token) -> Bool {
        let waiter = state.withLock { state -> Waiter? in
            state.drained = false
            guard let index = state.waiters.firstIndex(where: { token == .capacity || !$0.starved }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(returning: token)
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

    /// Wakes every waiting task with nil, and every later ``wait(starved:)`` returns nil at once.
    public func stop() {
        let waiters = state.withLock { state -> [Waiter] in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.continuation.resume(returning: nil) }
        demand.signal()
    }
}
