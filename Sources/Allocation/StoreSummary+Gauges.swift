import Metrics

extension StoreSummary {
    /// Sets the gauges of `app` (`caa_queue_length`, `caa_rooms_in_flight`, `caa_dead_rooms`) and, per route,
    /// `caa_route_queue_length{route}` and `caa_route_oldest_wait_seconds{route}` from this summary.
    public func recordGauges(app: String) {
        Gauge(label: "caa_queue_length", dimensions: [("app", app)]).record(queued)
        Gauge(label: "caa_rooms_in_flight", dimensions: [("app", app)]).record(inFlight)
        Gauge(label: "caa_dead_rooms", dimensions: [("app", app)]).record(dead)
        for route in routes {
            Gauge(label: "caa_route_queue_length", dimensions: [("app", app), ("route", route.name)]).record(route.queued)
            Gauge(label: "caa_route_oldest_wait_seconds", dimensions: [("app", app), ("route", route.name)])
                .record(Double(route.oldestWaitMilliseconds ?? 0) / 1000)
        }
    }
}
