import Dispatch

/// Runs `body` (and the tasks it starts) on a serial dispatch queue of its own instead of the cooperative
/// pool. Swift Testing runs synchronous tests on the cooperative pool, and on a 2-core machine a few of them
/// blocking in waits occupy all of it: a timing check of an async test would then measure them, not the code.
public func onOwnExecutor<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
    try await withTaskExecutorPreference(QueueExecutor()) { try await body() }
}

/// A task executor over a serial dispatch queue (which always gets a thread, unlike the cooperative pool).
final class QueueExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "test-executor")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
