import Allocation
import Logging
import Metrics
import Redis
import ServiceLifecycle
import ServiceThread

/// Checks every `interval` that Redis answers and the scripts are loaded (loading them when missing) and keeps
/// the answer in ``Readiness``, so `/readyz` costs no Redis call and tells within a second when storage goes.
struct ReadinessProbe: Service {
    let store: AllocationStore
    let readiness: Readiness
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await runUntilGracefulShutdown { try await probe() }
    }

    private func probe() async throws {
        var reported: String?
        while true {
            var problem: String?
            do {
                try await store.checkReadiness()
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as RedisError where error.isUnavailable && !error.isConnectionError {
                problem = "Redis refuses writes: \(error)"
            } catch {
                problem = "Redis is unreachable or the scripts could not be loaded: \(error)"
            }
            readiness.update(problem: problem)
            Gauge(label: "caa_ready").record(problem == nil ? 1 : 0)
            if problem != reported {
                if let problem { logger.warning("not ready", metadata: ["reason": "\(problem)"]) } else { logger.info("ready") }
                reported = problem
            }
            try await Task.sleep(for: interval)
        }
    }
}
