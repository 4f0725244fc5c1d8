import Dispatch
import Synchronization

extension ConfigurationSource {
    /// Runs `body` to completion and waits for it. Its task runs on a dispatch queue of its own, not on the
    /// cooperative pool: the caller may be holding a thread of that pool (Swift Testing runs synchronous tests
    /// there), and on 2 cores a few such waits would leave the task no thread to run on.
    static func waitFor<Value: Sendable>(_ body: @escaping @Sendable () async throws -> Value) throws -> Value {
        let outcome = Outcome<Value>()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: QueueExecutor()) {
            do {
                outcome.set(.success(try await body()))
            } catch {
                outcome.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        return try outcome.get()
    }

    /// The result of the task, handed to the waiting thread.
    private final class Outcome<Value: Sendable>: Sendable {
        private let result = Mutex<Result<Value, any Error>?>(nil)

        func set(_ value: Result<Value, any Error>) {
            result.withLock { $0 = value }
        }

        func get() throws -> Value {
            try result.withLock { $0 }!.get()
        }
    }

    /// A task executor over a serial dispatch queue, which always gets a thread.
    private final class QueueExecutor: TaskExecutor {
        private let queue = DispatchQueue(label: "configuration-load")

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}
