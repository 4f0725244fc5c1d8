import Foundation

/// Runs blocking test code (real processes driven with blocking clients, waits that poll) on a thread of its
/// own and awaits its result, so it never holds a thread of the cooperative pool that the code under test
/// runs its tasks on (Swift Testing calls synchronous tests from that pool; on 2 cores two of them would take
/// all of it).
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 4 << 20
        thread.start()
    }
}

/// Runs blocking clean-up (stopping a test server, which waits for its threads or process) on a thread of its
/// own without waiting for it, e.g. from the `defer` of an async test.
public func inBackground(_ body: @escaping @Sendable () -> Void) {
    Thread { body() }.start()
}
