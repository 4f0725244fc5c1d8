import Foundation
import Synchronization

/// One awaited answer from chromium, a command's reply or an event: filled in once by the pipe's reader
/// thread (or by a failure), awaited once with a deadline. It may be filled in before anyone awaits it.
final class DevToolsReply: Sendable {
    private enum State {
        case waiting(CheckedContinuation<JSONValue, any Error>?)
        case done(Result<JSONValue, any Error>)
    }

    private let state = Mutex(State.waiting(nil))

    /// Records the outcome and wakes the waiter; later calls are ignored (the first outcome wins).
    func fulfill(_ result: Result<JSONValue, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<JSONValue, any Error>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .done(result)
            return continuation
        }
        waiter?.resume(with: result)
    }

    /// The outcome; throws ``BrowserError/timeout(what:after:)`` after `timeout`, or `CancellationError`
    /// when the awaiting task is cancelled.
    func value(timeout: Duration, what: @autoclosure () -> String) async throws -> JSONValue {
        let description = what()
        let timer = Task { [self] in
            do { try await Task.sleep(for: timeout) } catch { return }
            fulfill(.failure(BrowserError.timeout(what: description, after: timeout)))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<JSONValue, any Error>? in
                    switch state {
                    case .done(let result): return result
                    case .waiting: state = .waiting(continuation); return nil
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            fulfill(.failure(CancellationError()))
        }
    }
}
