import Logging
import ServiceLifecycle

/// The allocation tasks of one instance, as a service: `WORKER_CONCURRENCY` ``AllocationWorker`` loops sharing
/// one Redis client and one gateway. On graceful shutdown no new room is claimed; rooms in hand are finished
/// (or requeued), then it returns.
public struct AllocationPool: Service, Sendable {
    public let workers: [AllocationWorker]
    let wake: WakeSignal
    let gate: AllocationGate

    public init(workers: [AllocationWorker], wake: WakeSignal, gate: AllocationGate) {
        self.workers = workers
        self.wake = wake
        self.gate = gate
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { timer in
                // Wakes a task when a parked route's head reaches its overflow time.
                timer.addTask { await wake.runRetryTimer() }
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
