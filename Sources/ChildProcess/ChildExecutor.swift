import Dispatch

/// Runs the tasks that start and await children on a serial dispatch queue instead of the cooperative pool.
///
/// ``ChildProcess`` blocks its synchronous callers until those tasks progress (the spawn in `init`, the exit in
/// `wait`), and such callers may themselves occupy the cooperative pool (Swift Testing runs synchronous tests
/// there; two of them waiting would leave no thread for the tasks). A dispatch queue always gets a thread.
/// The jobs are short: a spawn, or the bookkeeping after a child exits.
final class ChildExecutor: TaskExecutor {
    static let shared = ChildExecutor()
    private let queue = DispatchQueue(label: "ChildProcess")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
