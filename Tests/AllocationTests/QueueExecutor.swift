import Dispatch

/// A task executor of its own (a serial dispatch queue, which always gets a thread): a test whose steps must
/// come within a time of each other runs its tasks there instead of queueing behind the tasks of hundreds of
/// other tests on the two threads of the cooperative pool.
final class QueueExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(_ label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
