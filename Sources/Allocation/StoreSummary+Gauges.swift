import Metrics

extension StoreSummary {
    /// Sets the queue gauges (`caa_queue_length`, `caa_rooms_in_flight`, `caa_dead_rooms`) from this summary.
    public func recordGauges() {
        Gauge(label: "caa_queue_length").record(queued)
        Gauge(label: "caa_rooms_in_flight").record(inFlight)
        Gauge(label: "caa_dead_rooms").record(dead)
    }
}
