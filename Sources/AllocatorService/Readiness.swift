import HTTPServer
import Synchronization

/// Whether this instance can store webhooks now, as `/readyz` tells a load balancer: not while Redis does
/// not answer (or the scripts can not be loaded), and not once a graceful shutdown began (the drain), while
/// webhooks are still accepted so none is lost.
public final class Readiness: Sendable {
    private struct State {
        var draining = false
        /// Why storage is not usable now; nil when it is.
        var problem: String? = "not checked yet"
    }

    private let state = Mutex(State())

    public init() {}

    /// A graceful shutdown began: not ready from now on.
    public func markDraining() { state.withLock { $0.draining = true } }

    /// The result of the latest storage check: nil when it passed, else why it failed.
    public func update(problem: String?) { state.withLock { $0.problem = problem } }

    /// Nil when ready, else why not.
    public var problem: String? {
        state.withLock { $0.draining ? "shutting down" : $0.problem }
    }

    /// The `/readyz` answer.
    var response: ServerResponse {
        guard let problem else { return .json(["status": "ready"]) }
        return .error(503, code: "not_ready", message: problem)
    }
}
