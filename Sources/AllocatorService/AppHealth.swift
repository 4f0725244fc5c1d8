import Allocation
import Metrics

/// One app's health in a word, as `caa_app_ready{app,reason}` and `/v1/status` tell it: its webhooks can be
/// stored (its slot is served, Redis takes writes) and its allocation runs (Qiscus takes its credentials and
/// answers).
enum AppHealth: String, CaseIterable, Sendable {
    case ready
    /// Redis can not store the app's webhooks (its master is down or refuses writes, its slot is not served, the
    /// scripts can not be loaded): they are answered 503.
    case redisUnavailable = "redis_unavailable"
    /// Webhooks are stored but allocation is paused by a fault about the app's service (rejected credentials,
    /// an API that can not be reached); it resumes by itself.
    case allocationPaused = "allocation_paused"

    init(storageProblem: String?, allocation: AllocationGate.State) {
        if storageProblem != nil {
            self = .redisUnavailable
        } else if case .paused = allocation {
            self = .allocationPaused
        } else {
            self = .ready
        }
    }

    /// Sets `caa_app_ready{app,reason}`: 1 on this health's series, 0 on the others, so each app always has one
    /// series at 1 and an alert can watch `caa_app_ready{reason="ready"} == 0`.
    func record(app: String) {
        for health in Self.allCases {
            Gauge(label: "caa_app_ready", dimensions: [("app", app), ("reason", health.rawValue)]).record(health == self ? 1 : 0)
        }
    }
}
