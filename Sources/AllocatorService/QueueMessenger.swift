import Allocation
import Foundation
import Logging
import Metrics
import Qiscus
import ServiceLifecycle
import ServiceThread
import Synchronization

/// Sends the "place in line" messages of `QUEUE_MESSAGE` (README "Queue messages") as a service of its own,
/// away from allocation: about once a second it walks each route's queue with `notice.lua` (pages of at most
/// 200 ranks, a bounded number of pages per route and second), which picks the rooms due a message within the
/// app's budget of this second and records them as sent; then it posts each message through the Qiscus bot API
/// on an HTTP client of its own, at most ``Options/maxInFlight`` at once. A failed send is logged and counted,
/// never retried: the room gets its next message when it is due again.
///
/// Every instance runs one; Redis keeps the per-room state and the budget, so together they send each message
/// once and at most `QUEUE_MESSAGE_MAX_PER_SECOND` a second.
struct QueueMessenger: Service {
    /// What to send and how often.
    struct Options: Sendable {
        var template: QueueMessageTemplate
        /// `QUEUE_MESSAGE_STEP`.
        var step: Int
        /// `QUEUE_MESSAGE_MAX_PER_SECOND`.
        var maxPerSecond: Int
        /// The least time between two messages of one room.
        var spacing: Duration = .seconds(30)
        /// How long a room must have waited before its first message: a room served at once gets none.
        var minAge: Duration = .seconds(1)
        /// The pause between two scans of every route.
        var interval: Duration = .seconds(1)
        /// The most pages (of ``Notice/maxPage`` ranks) walked per route and scan; a longer queue is walked on
        /// from there at the next scan.
        var pagesPerScan = 25
        /// The most sends in flight; rooms are picked only for free places.
        var maxInFlight = 16
        /// The minutes of the route's ring its service rate is taken from (`{wait}`).
        var rateMinutes = 10
        /// Entries of the per-room state looked at per scan (the sweep of rooms that left the queue): at least
        /// twice what the app may pick in a second, so the sweep keeps up with new entries (at most 1,000).
        var sweepCount: Int { min(1_000, max(100, 2 * maxPerSecond)) }
        /// How long sends stop after Qiscus answered 429 without `Retry-After` (messages share the app's quota
        /// with the assign calls).
        var rateLimitPause: Duration = .seconds(5)
    }

    let store: AllocationStore
    let client: QiscusClient
    let options: Options
    let logger: Logger
    private let inFlight = InFlight()
    /// Until when a 429 of the bot endpoint stopped the sends.
    private let pausedUntil = SendPause()
    private let failures: LogThrottle
    private let scanErrors: LogThrottle

    init(store: AllocationStore, client: QiscusClient, options: Options, logger: Logger) {
        self.store = store
        self.client = client
        self.options = options
        self.logger = logger
        failures = LogThrottle(every: .seconds(10))
        scanErrors = LogThrottle(every: .seconds(10))
    }

    /// Scans until graceful shutdown or cancellation, which also abort the sends in flight at once (a room whose
    /// send was cut short gets its next message when due): queue messages never hold up a shutdown.
    func run() async throws {
        logger.info("queue messages on", metadata: [
            "template": "\(options.template)", "step": "\(options.step)", "max_per_second": "\(options.maxPerSecond)",
        ])
        try await runUntilGracefulShutdown { try await scanLoop() }
        logger.info("queue messages stopped")
    }

    private func scanLoop() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            var walk = Walk()
            while true {
                if let until = pausedUntil.until, until > .now { try await Task.sleep(until: until) }
                do {
                    try await scan(&walk, group: &group)
                } catch where Task.isCancelled {
                    throw CancellationError()
                } catch {
                    scanErrors.record { suppressed in
                        logger.warning("queue message scan failed; will retry", metadata: [
                            "error": "\(error)", "failed_since_last_log": "\(suppressed)",
                        ])
                    }
                }
                try await Task.sleep(for: options.interval)
            }
        }
    }

    /// Where each route's walk goes on, and the sweep's cursor.
    struct Walk {
        var resume: [String: Int] = [:]
        var sweepCursor = "0"
        var scans = 0
    }

    /// One scan of every route, starting with another route each time so no route takes the whole budget.
    private func scan(_ walk: inout Walk, group: inout ThrowingDiscardingTaskGroup<any Error>) async throws {
        let routes = store.routes
        walk.scans += 1
        var sweep = options.sweepCount
        scanning: for offset in routes.indices {
            let route = routes[(walk.scans + offset) % routes.count]
            var start = walk.resume[route] ?? 0
            walk.resume[route] = 0
            for _ in 0..<options.pagesPerScan {
                let free = options.maxInFlight - inFlight.count
                guard free > 0 else {
                    walk.resume[route] = start
                    break scanning
                }
                let outcome = try await store.run(Notice(
                    route: route, start: start, page: Notice.maxPage,
                    minAgeMilliseconds: Self.milliseconds(options.minAge), step: options.step,
                    spacingMilliseconds: Self.milliseconds(options.spacing), maxPerSecond: options.maxPerSecond,
                    sweepCursor: walk.sweepCursor, sweepCount: sweep, limit: min(free, Notice.maxPage)))
                if sweep > 0 { walk.sweepCursor = outcome.sweepCursor }
                sweep = 0
                if !outcome.picks.isEmpty { try await send(outcome.picks, route: route, group: &group) }
                switch outcome.code {
                case .end:
                    continue scanning
                case .page:
                    start = outcome.nextRank
                    walk.resume[route] = start
                case .budgetSpent, .limitReached:
                    walk.resume[route] = outcome.nextRank
                    break scanning
                }
            }
        }
    }

    /// Renders the messages of the rooms picked and starts their sends.
    private func send(_ picks: [Notice.Pick], route: String, group: inout ThrowingDiscardingTaskGroup<any Error>) async throws {
        let minutes: [RouteMinute]?
        do {
            minutes = try await store.servedMinutes(route: route, count: options.rateMinutes)
        } catch where Task.isCancelled {
            throw CancellationError()
        } catch {
            minutes = nil // the message goes without {wait}
        }
        let secondsIntoMinute = Date().timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
        for pick in picks {
            let wait = minutes.flatMap { Self.waitMinutes(position: pick.position, minutes: $0, secondsIntoMinute: secondsIntoMinute) }
            let text = options.template.render(position: pick.position, waitMinutes: wait)
            inFlight.add(1)
            group.addTask { [client, logger, inFlight, failures, pausedUntil, options] in
                defer { inFlight.add(-1) }
                do {
                    try await client.sendBotMessage(room: pick.room, text: text)
                    Counter(label: "caa_queue_messages_total", dimensions: [("app", store.keys.app), ("result", "sent")]).increment()
                    logger.debug("queue message sent", metadata: ["room": "\(pick.room)", "position": "\(pick.position)",
                                                                  "route": "\(route)"])
                } catch where Task.isCancelled {
                    return // shutting down
                } catch {
                    if case QiscusError.rateLimited(let after) = error {
                        // The app's quota is the assign calls' too: no message until Qiscus says so.
                        let until = ContinuousClock.now + (after.map { .seconds(min(max($0, 1), 300)) } ?? options.rateLimitPause)
                        pausedUntil.extend(to: until)
                    }
                    Counter(label: "caa_queue_messages_total", dimensions: [("app", store.keys.app), ("result", "failed")]).increment()
                    failures.record { suppressed in
                        logger.warning("a queue message could not be sent; the room gets its next one when due", metadata: [
                            "room": "\(pick.room)", "error": "\(error)", "failed_since_last_log": "\(suppressed)",
                        ])
                    }
                }
            }
        }
    }

    /// The expected wait of the room at `position` in minutes, from the rooms its route served in `minutes` (the
    /// last of them the current one, `secondsIntoMinute` old); nil while the route served none. The rate counts
    /// from the first minute that served a room, so a route that just started serving is not taken as slow.
    static func waitMinutes(position: Int, minutes: [RouteMinute], secondsIntoMinute: Double) -> Double? {
        let active = minutes.drop { $0.served == 0 }
        let served = active.map(\.served).reduce(0, +)
        guard served > 0 else { return nil }
        let window = Double(active.count - 1) + max(1, min(60, secondsIntoMinute)) / 60
        return Double(position) * window / Double(served)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Until when a 429 of the bot endpoint stopped one ``QueueMessenger``'s sends.
final class SendPause: Sendable {
    private let state = Mutex<ContinuousClock.Instant?>(nil)

    var until: ContinuousClock.Instant? { state.withLock { $0 } }

    func extend(to instant: ContinuousClock.Instant) { state.withLock { $0 = max($0 ?? instant, instant) } }
}

/// The sends in flight of one ``QueueMessenger``.
final class InFlight: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .relaxed) }

    func add(_ delta: Int) { value.add(delta, ordering: .relaxed) }
}

/// Lets a repeated log line through at most once per period, telling how many were held back meanwhile.
final class LogThrottle: Sendable {
    private let period: Duration
    private let state = Mutex<(last: ContinuousClock.Instant?, suppressed: Int)>((nil, 0))

    init(every period: Duration) {
        self.period = period
    }

    /// Calls `log` with the count held back since the last line, unless a line went out within the period.
    func record(_ log: (Int) -> Void) {
        let now = ContinuousClock.now
        let suppressed: Int? = state.withLock { state in
            if let last = state.last, last.duration(to: now) < period {
                state.suppressed += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.suppressed
        }
        if let suppressed { log(suppressed) }
    }
}
