import Logging
import ServiceLifecycle

/// The first service to hear of a graceful shutdown (it is last in the group): `/readyz` turns 503 at once,
/// and the services before it (the web server first) are told to stop only `seconds` later, so a load
/// balancer stops sending before the port closes and no webhook in between is refused.
struct ShutdownDrain: Service {
    let readiness: Readiness
    let seconds: Double
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return // cancelled: no drain
        }
        readiness.markDraining()
        logger.info("shutting down: not ready; still accepting webhooks", metadata: ["drain_s": "\(seconds)"])
        try? await Task.sleep(for: .seconds(seconds))
        logger.info("drain over: closing the webhook server, then finishing rooms in flight")
    }
}
