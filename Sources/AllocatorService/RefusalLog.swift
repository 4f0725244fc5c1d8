import HTTPServer
import Logging
import Metrics
import Synchronization

/// Connections the webhook server closed at accept: counted in `caa_http_refused_connections_total{reason}`
/// and logged at most once per `interval`, with the counts since the last line, so a flood can not flood the
/// log too.
final class RefusalLog: Sendable {
    private struct State {
        var sinceLog: [String: Int] = [:]
        var addresses: Set<String> = []
        var lastLog: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let interval: Duration
    private let logger: Logger
    /// Made once: a flood calls ``record(_:)`` for every connection it opens.
    private let counters: [String: Counter]

    init(interval: Duration = .seconds(10), logger: Logger) {
        self.interval = interval
        self.logger = logger
        counters = Dictionary(uniqueKeysWithValues: [HTTPServer.Refusal.connectionLimit, .addressLimit("")].map(\.reason).map {
            ($0, Counter(label: "caa_http_refused_connections_total", dimensions: [("reason", $0)]))
        })
    }

    func record(_ refusal: HTTPServer.Refusal) {
        counters[refusal.reason]?.increment()
        let now = ContinuousClock.now
        let report = state.withLock { state -> (counts: [String: Int], addresses: [String])? in
            state.sinceLog[refusal.reason, default: 0] += 1
            if case .addressLimit(let address) = refusal, state.addresses.count < 5 { state.addresses.insert(address) }
            if let last = state.lastLog, now - last < interval { return nil }
            defer {
                state.sinceLog = [:]
                state.addresses = []
                state.lastLog = now
            }
            return (state.sinceLog, state.addresses.sorted())
        }
        guard let report else { return }
        logger.warning("connections closed at accept (limits HTTP_MAX_CONNECTIONS, HTTP_MAX_CONNECTIONS_PER_IP)", metadata: [
            "refused": "\(report.counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            "addresses": "\(report.addresses.joined(separator: ","))",
            "next_report_in_s": "\(interval.components.seconds)",
        ])
    }
}
