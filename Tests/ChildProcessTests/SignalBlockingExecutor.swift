import Dispatch
import Foundation

/// A task executor whose jobs run on dispatch threads that block `SIGTERM` (each job blocks it first), like a
/// test thread or a dispatch worker that spawns a child.
final class SignalBlockingExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "signal-blocking")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            var set = sigset_t()
            sigemptyset(&set)
            sigaddset(&set, SIGTERM)
            pthread_sigmask(SIG_BLOCK, &set, nil)
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }

    /// Whether the calling thread blocks `SIGTERM`.
    static func currentThreadBlocksSIGTERM() -> Bool {
        var current = sigset_t()
        pthread_sigmask(SIG_BLOCK, nil, &current)
        return sigismember(&current, SIGTERM) == 1
    }
}
