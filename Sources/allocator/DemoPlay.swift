import Foundation
import HTTPClient
import QiscusSimulator

/// The customers and agents of `allocator demo`: customers write on WhatsApp Sales, Instagram or web chat
/// (``DemoRoutes``; each message is an allocation webhook, sent one to three times as Qiscus does), agents
/// resolve their rooms after a few seconds, a few customers come back, and a progress line is printed every
/// second with the rooms waiting per route.
struct DemoPlay {
    let rooms: [String]
    let arrivalSeconds: Double
    let simulator: QiscusSimulator
    let serviceURL: String
    let client = HTTPClient()
    /// When each room's first webhook of its current session was sent.
    var sentAt: [String: Date] = [:]
    var assignedAt: [String: Date] = [:]
    var waits: [Double] = []
    var webhooks = 0
    var resolved: Set<String> = []
    var returning: Set<String> = []
    /// Room -> its position among the demo's rooms (which gives its channel and route).
    let index: [String: Int]
    /// Assigns to an agent outside the room's route.
    var outsideRoute = 0
    /// Assigns and conflicts the simulator had recorded before this play began (earlier rounds).
    var baseline = (assigns: 0, conflicts: 0)

    /// The `QUEUE_MESSAGE` of the demo's service: waiting customers get it through the simulated bot API.
    static let queueMessage = "You are number {position} in line[; expected wait about {wait}]."

    init(rooms: Int, arrivalSeconds: Double, simulator: QiscusSimulator, serviceURL: String) {
        self.rooms = (1...max(1, rooms)).map { String(91_000_000 + $0) }
        index = Dictionary(uniqueKeysWithValues: self.rooms.enumerated().map { ($1, $0) })
        self.arrivalSeconds = arrivalSeconds
        self.simulator = simulator
        self.serviceURL = serviceURL
    }

    struct Summary {
        var text: String
        var ok: Bool
    }

    /// Plays the rooms until all are served, `maxSeconds` pass or `stop` says so; prints a progress line per
    /// second unless `quiet`.
    mutating func run(maxSeconds: Double, limit: Int, quiet: Bool = false, stop: () -> Bool = { false }) -> Summary {
        let start = Date()
        let arrivals = rooms.enumerated().map { (room: $1, at: Double($0) * arrivalSeconds / Double(rooms.count)) }
        var next = 0
        var lastPrint = -1
        // The simulator's records are cumulative: a later round counts from here on.
        let first = simulator.report()
        baseline = (first.assigns.count, first.conflicts)
        var seenAssigns = baseline.assigns
        let comeBack = Set(rooms.shuffled().prefix(max(1, rooms.count / 12)))
        while true {
            let elapsed = Date().timeIntervalSince(start)
            while next < arrivals.count, arrivals[next].at <= elapsed {
                write(arrivals[next].room)
                next += 1
            }
            let report = simulator.report()
            for record in report.assigns.dropFirst(seenAssigns) {
                let at = Date(timeIntervalSince1970: record.at)
                assignedAt[record.room] = at
                if let sent = sentAt.removeValue(forKey: record.room) { waits.append(at.timeIntervalSince(sent)) }
                if !DemoRoutes.serves(agent: record.agent, route: route(of: record.room)) { outsideRoute += 1 }
            }
            seenAssigns = report.assigns.count
            // Agents resolve a room 2-5 s after they got it.
            for (room, at) in assignedAt where Date().timeIntervalSince(at) > Double(room.hashValue & 3) + 2 {
                assignedAt[room] = nil
                resolve(room)
                if comeBack.contains(room), !returning.contains(room) {
                    returning.insert(room)
                    write(room) // the same customer writes again: a new session in the same room
                }
            }
            if !quiet, Int(elapsed) != lastPrint {
                lastPrint = Int(elapsed)
                Console.line(progress(elapsed: elapsed, report: report, limit: limit))
            }
            let finished = next == arrivals.count && sentAt.isEmpty && report.rooms.isEmpty
            if finished || elapsed > maxSeconds || stop() { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return summary(report: simulator.report(), elapsed: Date().timeIntervalSince(start), limit: limit)
    }

    /// A customer message: the allocation webhook, sent one to three times.
    private mutating func write(_ room: String) {
        let origin = DemoRoutes.origin(ofRoom: index[room] ?? 0)
        let body = simulator.allocationWebhook(room: room, source: origin.source, channel: origin.channel)
        sentAt[room] = Date()
        for _ in 0..<Int.random(in: 1...3) {
            webhooks += 1
            _ = try? client.perform(HTTPClientRequest(method: "POST", url: serviceURL + "/webhooks/allocate", body: .json(body)))
        }
    }

    private func route(of room: String) -> String { DemoRoutes.route(ofRoom: index[room] ?? 0) }

    private mutating func resolve(_ room: String) {
        guard let body = simulator.resolveWebhook(room: room) else { return }
        resolved.insert(room)
        _ = try? client.perform(HTTPClientRequest(method: "POST", url: serviceURL + "/webhooks/resolve", body: .json(body)))
    }

    private func progress(elapsed: Double, report: SimulatorReport, limit: Int) -> String {
        let loads = report.loads
        let bars = (report.maxLoads.keys.sorted() + loads.keys.sorted()).reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }.sorted().map { agent in
            let load = loads[agent] ?? 0
            return String(repeating: "█", count: load) + String(repeating: "·", count: max(0, limit - load))
        }.joined(separator: " ")
        let waiting = Dictionary(grouping: sentAt.keys, by: route(of:)).mapValues(\.count)
        let line = String(format: "t=%2.0fs  waiting sales %2d support %2d default %2d  served %3d/%d  agents [%@]",
                          elapsed, waiting["sales"] ?? 0, waiting["support"] ?? 0, waiting["default"] ?? 0,
                          report.assigns.count - baseline.assigns, rooms.count + returning.count, bars)
        return line
    }

    /// How many queue messages waiting customers got, with the first two (`QUEUE_MESSAGE`, README).
    private func queueMessages(_ messages: [BotMessageRecord]) -> String {
        let rooms = Set(messages.map(\.room)).count
        let samples = messages.prefix(2).map { "\n                             room \($0.room): \"\($0.text)\"" }.joined()
        return "\(messages.count) to \(rooms) waiting customers" + samples
    }

    private func summary(report: SimulatorReport, elapsed: Double, limit: Int) -> Summary {
        let sorted = waits.sorted()
        func percentile(_ p: Double) -> String {
            guard !sorted.isEmpty else { return "-" }
            return String(format: "%.0f ms", sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] * 1000)
        }
        let maxLoad = report.maxLoads.values.max() ?? 0
        let assigns = report.assigns.dropFirst(baseline.assigns)
        let perSession = Dictionary(grouping: assigns) { "\($0.room)/\($0.service)" }
        let doubles = perSession.values.filter { $0.count > 1 }.count + report.conflicts - baseline.conflicts
        let served = assigns.count
        let expected = rooms.count + returning.count
        let ok = maxLoad <= limit && doubles == 0 && served == expected && outsideRoute == 0
        let perRoute = Dictionary(grouping: assigns, by: { route(of: $0.room) }).mapValues(\.count)
        let shared = report.maxLoads["150005"] ?? 0
        let text = """

            Summary after \(String(format: "%.1f", elapsed)) s
              customers served       \(served) of \(expected) sessions (\(returning.count) returning customers)
              webhooks sent          \(webhooks) (duplicates are normal: Qiscus fires one per message)
              wait for an agent      p50 \(percentile(0.5)), p99 \(percentile(0.99)) (includes waiting for a free agent)
              served per route       sales \(perRoute["sales"] ?? 0), support \(perRoute["support"] ?? 0), default \(perRoute["default"] ?? 0)
              outside their route    \(outsideRoute) (a room served by an agent not in its route's division)
              highest agent load     \(maxLoad) (limit \(limit)); agent 5, in both divisions: \(shared)
              double assignments     \(doubles)
              Qiscus API calls       \(report.apiCalls)
              queue messages         \(queueMessages(report.messages))
            \(ok ? "OK: every customer served within its route, no agent ever above the limit." : "PROBLEM: see the figures above.")
            """
        return Summary(text: text, ok: ok)
    }
}
