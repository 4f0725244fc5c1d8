import HTTPServer
import Synchronization

/// Whether this instance can store webhooks now, as `/readyz` tells a load balancer, and whether each app's
/// storage works (``problem(of:)``, in `/v1/status` and `caa_app_ready`). The instance is ready while at least
/// one app can store its webhooks (on a Redis Cluster one master down takes only its apps' webhooks, which then
/// answer 503, so the others stay on the load balancer), and never once a graceful shutdown began (the drain),
/// while webhooks are still accepted so none is lost.
public final class Readiness: Sendable {
    private struct State {
        var draining = false
        /// Why each app's storage is not usable now; nil when it is.
        var problems: [String: String?]
        /// Apps whose Redis could not be reached at the last try (see ``isUnreachable(_:)``).
        var unreachable: Set<String> = []
    }

    private let state: Mutex<State>
    /// The apps, in configuration order.
    public let apps: [String]

    /// - Parameter apps: the app ids; each starts "not checked yet".
    public init(apps: [String]) {
        self.apps = apps
        state = Mutex(State(problems: Dictionary(uniqueKeysWithValues: apps.map { ($0, "not checked yet") })))
    }

    /// A graceful shutdown began: not ready from now on.
    public func markDraining() { state.withLock { $0.draining = true } }

    /// The result of the latest storage check of `app`: nil when it passed, else why it failed, and whether it
    /// failed because its Redis could not be reached (a connection, a cluster not serving its slot).
    public func update(app: String, problem: String?, unreachable: Bool = false) {
        state.withLock { state in
            state.problems[app] = problem
            if problem != nil && unreachable { state.unreachable.insert(app) } else { state.unreachable.remove(app) }
        }
    }

    /// Whether `app`'s Redis could not be reached at the last try, until a probe passes: its requests are then
    /// answered 503 at once instead of each waiting out connect timeouts and cluster retries on one of the
    /// webhook server's few threads, which every app shares.
    public func isUnreachable(_ app: String) -> Bool { state.withLock { $0.unreachable.contains(app) } }

    /// Why `app` can not store webhooks now; nil when it can.
    public func problem(of app: String) -> String? {
        state.withLock { $0.problems[app] ?? "not configured" }
    }

    /// Nil when ready, else why not: shutting down, or no app can store webhooks.
    public var problem: String? {
        state.withLock { state in
            if state.draining { return "shutting down" }
            let failing = apps.compactMap { app in state.problems[app]?.map { (app, $0) } }
            guard failing.count == apps.count, let first = failing.first else { return nil }
            if apps.count == 1 { return first.1 }
            return "no app can store webhooks (\(first.0): \(first.1)" + (failing.count > 1 ? "; and \(failing.count - 1) more)" : ")")
        }
    }

    /// The `/readyz` answer.
    var response: ServerResponse {
        guard let problem else { return .json(["status": "ready"]) }
        return .error(503, code: "not_ready", message: problem)
    }
}
