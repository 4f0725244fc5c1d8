import Allocation
import Logging
import Metrics
import Redis
import ServiceLifecycle
import ServiceThread

/// Checks every `interval` that Redis takes the app's writes and the scripts are loaded (loading them when
/// missing) and keeps the answer in ``Readiness``, so `/readyz` costs no Redis call and tells within a second
/// when storage goes. One per app: on a Redis Cluster each app's keys live on the master of its slot.
struct ReadinessProbe: Service {
    let store: AllocationStore
    let readiness: Readiness
    let gate: AllocationGate
    let interval: Duration
    let logger: Logger

    var app: String { store.keys.app }

    func run() async throws {
        try await runUntilGracefulShutdown { try await probe() }
    }

    private func probe() async throws {
        var reported: String?
        while true {
            var problem: String?
            var unreachable = false
            do {
                try await store.checkReadiness()
            } catch is CancellationError {
                throw CancellationError()
            } catch let error as RedisError where error.isUnavailable && !error.isConnectionError {
                problem = "Redis refuses writes: \(error)"
                unreachable = error.isUnreachable
            } catch {
                unreachable = (error as? RedisError)?.isUnreachable ?? false
                problem = "Redis is unreachable or the scripts could not be loaded: \(error)"
            }
            readiness.update(app: app, problem: problem, unreachable: unreachable)
            Gauge(label: "caa_ready").record(readiness.problem == nil ? 1 : 0)
            AppHealth(storageProblem: problem, allocation: gate.state).record(app: app)
            if problem != reported {
                if let problem { logger.warning("not ready", metadata: ["reason": "\(problem)"]) } else { logger.info("ready") }
                reported = problem
            }
            try await Task.sleep(for: interval)
        }
    }
}
