import Metrics

/// The metrics of one API call through an ``AgentGateway``: its duration (`caa_qiscus_request_seconds`) and,
/// when it failed, its error kind (`caa_qiscus_errors_total`).
enum GatewayMetrics {
    static func record(_ call: String, app: String, since started: ContinuousClock.Instant, error: (any Error)? = nil) {
        Timer(label: "caa_qiscus_request_seconds", dimensions: [("app", app), ("call", call)]).record(duration: started.duration(to: .now))
        guard let error else { return }
        Counter(label: "caa_qiscus_errors_total",
                dimensions: [("app", app), ("call", call), ("kind", (error as? GatewayFailure)?.kind ?? "other")]).increment()
    }
}
