import Dispatch
import Synchronization

extension RedisIOCore {
    /// Queues the commands as one job and suspends until their replies; cancelling the task drops the job if
    /// still queued, or interrupts it when `interruptible`.
    func perform(_ commands: [[String]], fallback: [String]? = nil, interruptible: Bool = false) async throws -> [RedisReply] {
        let id = nextID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                submit(Job(id: id, commands: commands, fallback: fallback, interruptible: interruptible) {
                    continuation.resume(with: $0)
                })
            }
        } onCancel: {
            self.cancel(id)
        }
    }

    /// ``perform(_:fallback:interruptible:)`` for a thread that is not a task's: blocks it until the replies
    /// (driving the connection itself when nobody does).
    func performWaiting(_ commands: [[String]], fallback: [String]? = nil) throws -> [RedisReply] {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[RedisReply], any Error>?>(nil)
        submitWaiting(Job(id: nextID(), commands: commands, fallback: fallback, interruptible: false) { outcome in
            result.withLock { $0 = outcome }
            done.signal()
        })
        done.wait()
        return try result.withLock { $0! }.get()
    }
}
