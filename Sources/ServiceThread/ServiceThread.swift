import Foundation
import ServiceLifecycle

/// The thread a C library needs (hiredis's blocking socket, libcurl's multi loop), owned by a service: it
/// lives exactly as long as the service's `run()`, and nothing else in the process starts threads for them.
public enum ServiceThread {
    /// Runs `loop` on a new thread named `name` until graceful shutdown or cancellation of the calling task:
    /// then `stop` is called (once, from any thread) and this returns when `loop` has returned. `stop` must
    /// make `loop` return soon, including when it is called before `loop` starts.
    public static func run(name: String, loop: @escaping @Sendable () -> Void,
                           stop: @escaping @Sendable () -> Void) async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await offload(name: name, loop)
        } onCancelOrGracefulShutdown: {
            stop()
        }
    }

    /// Runs a blocking call (such as libmicrohttpd's `MHD_stop_daemon`, which joins its threads) on a new
    /// thread and returns its result, so no thread of the cooperative pool waits for it.
    public static func offload<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { done in
            let thread = Thread { done.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}

/// Runs `loop` (which only ends by throwing, e.g. from `Task.sleep`) until graceful shutdown or cancellation,
/// which end it quietly: the body of a service that ticks or waits until the instance stops.
public func runUntilGracefulShutdown(_ loop: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(loop)
    } catch is CancellationError {}
}
