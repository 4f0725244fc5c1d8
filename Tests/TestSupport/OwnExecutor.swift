import Dispatch

/// Runs `body` (and the child tasks it starts) on a serial dispatch queue of its own instead of the
/// cooperative pool. Swift Testing runs synchronous tests on the cooperative pool, and on a 2-core machine a
/// few of them blocking in waits occupy all of it: a timing check of an async test would then measure them,
/// not the code. Unstructured tasks do not inherit the preference: start them with
/// `Task(executorPreference: executor)`, with the executor `body` is given.
public func onOwnExecutor<T: Sendable>(_ body: (QueueExecutor) async throws -> T) async rethrows -> T {
    let executor = QueueExecutor()
    return try await withTaskExecutorPreference(executor) { try await body(executor) }
}

/// The same, for a body that starts no unstructured task.
public func onOwnExecutor<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
    try await onOwnExecutor { (_: QueueExecutor) in try await body() }
}

/// A task executor over a serial dispatch queue (which always gets a thread, unlike the cooperative pool).
public final class QueueExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "test-executor")

    public init() {}

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
