import Foundation
import HTTPClient
import LocalStack
import QiscusSimulator

/// The burst run of `allocator bench`: `rooms` allocation webhooks posted evenly over `spread` seconds, each
/// room resolved (in the simulator, then the resolve webhook posted to the service, as Qiscus would send it)
/// a random `hold` seconds after the simulator recorded its assign call, until every room was assigned, none
/// was for 15 s, or 120 s passed.
struct BenchBurst {
    let stack: LocalStack
    let rooms: Int
    let spread: Double
    let hold: ClosedRange<Double>

    /// What a burst run saw.
    struct Result {
        /// Rooms of the burst the simulator recorded an assign call for.
        var assigned: Int
        /// First webhook -> last assign call.
        var seconds: Double
        /// The most rooms one agent held at one moment (the simulator's real load).
        var maxLoad: Int
        /// The simulator's counters before the first webhook and after the run.
        var before: SimulatorStats
        var after: SimulatorStats
    }

    func run() throws -> Result {
        let client = HTTPClient()
        let before = try stack.simulatorStats(client: client)
        let start = Date()
        var posted = 0
        var read = before.assignCount
        var assigned: [String: Double] = [:]
        var resolves: [(due: Date, room: String)] = []
        var progress = (count: before.assignCount, at: start)
        while assigned.count < rooms, Date().timeIntervalSince(start) < 120, Date().timeIntervalSince(progress.at) < 15 {
            let due = min(rooms, Int(Date().timeIntervalSince(start) / spread * Double(rooms)) + 1)
            while posted < due {
                posted += 1
                _ = try stack.post(stack.instanceURLs[0] + "/webhooks/allocate",
                                   json: Data("{\"room_id\":\"6\(posted)\"}".utf8), client: client)
            }
            let stats = try stack.simulatorStats(client: client)
            if stats.assignCount != progress.count {
                progress = (stats.assignCount, Date())
                let report = try stack.simulatorReport(client: client)
                for record in report.assigns.dropFirst(read) where assigned[record.room] == nil {
                    assigned[record.room] = record.at
                    resolves.append((Date().addingTimeInterval(.random(in: hold)), record.room))
                }
                read = report.assigns.count
            }
            let now = Date()
            for resolve in resolves where resolve.due <= now {
                // The stack's simulator has no resolve webhook URL: it answers with the webhook, posted here.
                if let body = try stack.resolveInSimulator(room: resolve.room, client: client) {
                    _ = try stack.post(stack.instanceURLs[0] + "/webhooks/resolve", json: body, client: client)
                }
            }
            resolves.removeAll { $0.due <= now }
            Thread.sleep(forTimeInterval: 0.005)
        }
        let after = try stack.simulatorStats(client: client)
        let report = try stack.simulatorReport(client: client)
        return Result(assigned: assigned.count,
                      seconds: (assigned.values.max() ?? start.timeIntervalSince1970) - start.timeIntervalSince1970,
                      maxLoad: report.maxLoads.values.max() ?? 0, before: before, after: after)
    }
}
