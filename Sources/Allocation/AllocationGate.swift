import Metrics
import Synchronization

/// Whether the instance allocates: paused while a fault is about the service rather than a room (Qiscus
/// rejects the credentials, or can not be reached for longer than the retry budget), so rooms keep their place
/// in line instead of going to the dead list. The ``ServiceFaultProbe`` resumes it once Qiscus answers again.
public final class AllocationGate: Sendable {
    /// What `/v1/status` shows.
    public enum State: Sendable, Equatable {
        case running
        case paused(reason: String)
    }

    private struct Inner {
        var state = State.running
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, Never>)] = []
        var nextID: UInt64 = 0
    }

    private let inner = Mutex(Inner())
    /// The app it pauses (the `app` label of `caa_allocation_paused`).
    public let app: String

    public init(app: String = "") {
        self.app = app
    }

    public var state: State { inner.withLock { $0.state } }

    public var isPaused: Bool { state != .running }

    /// Pauses allocation; true when it was running.
    @discardableResult
    public func pause(reason: String) -> Bool {
        Gauge(label: "caa_allocation_paused", dimensions: [("app", app)]).record(1)
        return inner.withLock { inner in
            defer { inner.state = .paused(reason: reason) }
            return inner.state == .running
        }
    }

    /// Resumes allocation and wakes every waiting task; true when it was paused.
    @discardableResult
    public func resume() -> Bool {
        let (wasPaused, waiters) = inner.withLock { inner in
            defer {
                inner.state = .running
                inner.waiters.removeAll()
            }
            return (inner.state != .running, inner.waiters.map(\.continuation))
        }
        for waiter in waiters { waiter.resume() }
        Gauge(label: "caa_allocation_paused", dimensions: [("app", app)]).record(0)
        return wasPaused
    }

    /// Wakes every waiting task without resuming allocation (the instance is stopping: they check and leave).
    public func releaseWaiters() {
        let waiters = inner.withLock { inner in
            defer { inner.waiters.removeAll() }
            return inner.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once allocation runs (at once when it does), or when the task is cancelled.
    public func waitUntilRunning() async {
        let id = inner.withLock { inner -> UInt64 in
            inner.nextID += 1
            return inner.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let waits = inner.withLock { inner -> Bool in
                    if inner.state == .running || Task.isCancelled { return false }
                    inner.waiters.append((id, continuation))
                    return true
                }
                if !waits { continuation.resume() }
            }
        } onCancel: {
            let waiter = inner.withLock { inner -> CheckedContinuation<Void, Never>? in
                guard let index = inner.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return inner.waiters.remove(at: index).continuation
            }
            waiter?.resume()
        }
    }
}
