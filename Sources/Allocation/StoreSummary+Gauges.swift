import Metrics

extension StoreSummary {
    /// Sets the queue gauges (`caa_queue_length`, `caa_rooms_in_flight`, `caa_dead_rooms`) and, per route,
    /// `caa_route_queue_length{route}` and `caa_route_oldest_wait_seconds{route}` from this summary.
    public func recordGauges() {
        Gauge(label: "caa_queue_length").record(queued)
        Gauge(label: "caa_rooms_in_flight").record(inFlight)
        Gauge(label: "caa_dead_rooms").record(dead)
        for route in routes {
            Gauge(label: "caa_route_queue_length", dimensions: [("route", route.name)]).record(route.queued)
            Gauge(label: "caa_route_oldest_wait_seconds", dimensions: [("route", route.name)])
                .record(Double(route.oldestWaitMilliseconds ?? 0) / 1000)
        }
    }
}
