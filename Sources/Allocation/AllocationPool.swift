import Logging
import ServiceLifecycle

/// The allocation tasks of one instance, as a service: `WORKER_CONCURRENCY` ``AllocationWorker`` loops sharing
/// one Redis client and one gateway. On graceful shutdown no new room is claimed; rooms in hand are finished
/// (or requeued), then it returns.
public struct AllocationPool: Service, Sendable {
    public let workers: [AllocationWorker]
    let wake: WakeSignal
    let gate: AllocationGate
    /// The agent views the workers share, whose background refreshes the pool runs.
    let views: AgentViews?

    public init(workers: [AllocationWorker], wake: WakeSignal, gate: AllocationGate, views: AgentViews? = nil) {
        self.workers = workers
        self.wake = wake
        self.gate = gate
        self.views = views
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { timer in
                // Wakes a task when a parked route's head reaches its overflow time.
                timer.addTask { await wake.runRetryTimer() }
                // Lists each route's agents ahead of expiry while its rooms flow.
                if let views { timer.addTask { await views.runRefreshes() } }
                await withTaskGroup(of: Void.self) { group in
                    for worker in workers { group.addTask { await worker.run() } }
                }
                timer.cancelAll()
            }
        } onGracefulShutdown: {
            wake.stop()
            gate.releaseWaiters()
        }
    }
}
