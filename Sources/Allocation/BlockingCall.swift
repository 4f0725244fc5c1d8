import Dispatch
import Synchronization

/// Runs async work from a dedicated thread (the housekeeper's, never a task's) and blocks that thread until
/// the work ends.
final class BlockingCall<T: Sendable>: Sendable {
    private let value = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    private init() {}

    static func wait(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let call = BlockingCall()
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            call.value.withLock { $0 = result }
            call.done.signal()
        }
        call.done.wait()
        return try call.value.withLock { $0! }.get()
    }
}
