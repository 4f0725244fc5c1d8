import Foundation
import HTTPClient
import LocalStack
import QiscusSimulator

/// The agent-view runs of `allocator bench`: how many Qiscus listings (`available_agents` calls, each page one)
/// and assign calls the service makes per room served, and what reusing one listing per route costs in latency
/// and in load. Each run starts its own stack; the runs that compare run once with `AGENT_VIEW_MAX_AGE_MS`
/// unset (the default) and once with `0` (one listing per room, the behaviour before the view).
extension Bench {
    /// The settings compared: a row label and the variables added to the instance's environment.
    static let agentViewVariants: [(label: String, environment: [String: String])] = [
        ("view default", [:]),
        ("AGENT_VIEW_MAX_AGE_MS=0", ["AGENT_VIEW_MAX_AGE_MS": "0"]),
    ]

    /// The rows of the agent-view runs `--only` asks for (all of them without it).
    func agentViewRows(binary: String) throws -> [(String, String)] {
        var rows: [(String, String)] = []
        if wanted("latency50") { rows += try Self.latency50(binary: binary, seconds: seconds) }
        if wanted("burst") { rows += try Self.burstRows(binary: binary) }
        if wanted("lowrate") { rows += try Self.lowRate(binary: binary) }
        if wanted("agents1200") { rows += try Self.agents1200(binary: binary, connections: connections) }
        return rows
    }

    /// Listings and assign calls per room served between two readings of the simulator's counters.
    static func perRoom(_ before: SimulatorStats, _ after: SimulatorStats, rooms: Int) -> String {
        let served = Double(max(1, rooms))
        return String(format: "per room %.2f available_agents calls, %.2f assigns",
                      Double(after.availableAgentsCalls - before.availableAgentsCalls) / served,
                      Double(after.assignCalls - before.assignCalls) / served)
    }

    /// 20 agents with free capacity, Qiscus answering in 50 ms, webhooks at a steady 20/s for `seconds`.
    static func latency50(binary: String, seconds: Double) throws -> [(String, String)] {
        try agentViewVariants.map { variant in
            let stack = try LocalStack(allocator: binary, instances: 1, agents: 20, simulatorArguments: ["--latency-ms", "50"],
                                       environment: variant.environment.merging(["MAX_CUSTOMERS_PER_AGENT": "10000",
                                                                                 "LOG_LEVEL": "error"]) { $1 })
            defer { stack.stop() }
            let before = try stack.simulatorStats()
            let latency = try webhookToAssign(stack, rate: 20, rooms: max(1, Int(seconds * 20)), prefix: "5")
            let after = try stack.simulatorStats()
            return ("API latency 50 ms, 20 rooms/s, \(variant.label)",
                    String(format: "webhook -> assign p50 %.1f ms, p99 %.1f ms; ", latency.p50, latency.p99)
                        + perRoom(before, after, rooms: latency.assigned) + " (\(latency.assigned) of \(latency.sent) rooms)")
        }
    }

    /// 20 agents of 2 rooms each, Qiscus answering in 50 ms: 300 rooms in 1.5 s, each resolved 0.5-1.5 s after
    /// its assign call.
    static func burstRows(binary: String) throws -> [(String, String)] {
        try agentViewVariants.map { variant in
            let stack = try LocalStack(allocator: binary, instances: 1, agents: 20, simulatorArguments: ["--latency-ms", "50"],
                                       environment: variant.environment.merging(["MAX_CUSTOMERS_PER_AGENT": "2",
                                                                                 "LOG_LEVEL": "error"]) { $1 })
            defer { stack.stop() }
            let result = try BenchBurst(stack: stack, rooms: 300, spread: 1.5, hold: 0.5...1.5).run()
            return ("burst of 300 rooms, 40 slots, \(variant.label)",
                    String(format: "%d of 300 assigned in %.1f s, max load %d (limit 2); ",
                           result.assigned, result.seconds, result.maxLoad)
                        + perRoom(result.before, result.after, rooms: result.assigned))
        }
    }

    /// One room every 2 s, 6 rooms, Qiscus answering in 50 ms: an idle service should list about once per room.
    static func lowRate(binary: String) throws -> [(String, String)] {
        let stack = try LocalStack(allocator: binary, instances: 1, agents: 20, simulatorArguments: ["--latency-ms", "50"],
                                   environment: ["MAX_CUSTOMERS_PER_AGENT": "10000", "LOG_LEVEL": "error"])
        defer { stack.stop() }
        let before = try stack.simulatorStats()
        let latency = try webhookToAssign(stack, rate: 0.5, rooms: 6, prefix: "7")
        let after = try stack.simulatorStats()
        return [("one room per 2 s, 6 rooms, \(agentViewVariants[0].label)",
                 String(format: "webhook -> assign p50 %.1f ms; ", latency.p50) + perRoom(before, after, rooms: latency.assigned)
                    + " (\(latency.assigned) of 6 rooms; target <= 1 listing)")]
    }

    /// 1,200 agents of one room each, pages of 50, Qiscus answering at once: 1,200 rooms should reach 1,200
    /// agents. Then the cost of reserve.lua at the candidate counts the service passes it.
    static func agents1200(binary: String, connections: Int) throws -> [(String, String)] {
        let agents = 1200
        let stack = try LocalStack(allocator: binary, instances: 1, agents: agents,
                                   simulatorArguments: ["--latency-ms", "0", "--threads", "4"],
                                   environment: ["MAX_CUSTOMERS_PER_AGENT": "1", "LOG_LEVEL": "error"])
        defer { stack.stop() }
        let faults = try stack.post(stack.simulatorURL + "/sim/faults", json: Data(#"{"page_cap":50}"#.utf8))
        guard faults.status == 200 else { throw ToolError("POST /sim/faults: \(faults.status) \(faults.text)") }
        let poller = HTTPClient()
        let before = try stack.simulatorStats(client: poller)
        let start = Date()
        let perClient = max(1, agents / connections)
        _ = try flood(stack, instances: [0], connections: connections, seconds: 600, prefix: 8, perClient: perClient)
        let sent = perClient * connections
        let after = try waitForAssigns(stack, count: sent, since: before, client: poller)
        let report = try stack.simulatorReport(client: poller)
        let mine = report.assigns.filter { $0.room.hasPrefix("8") }
        let assigned = Set(mine.map(\.room)).count
        let elapsed = (after.lastAssignAt ?? start.timeIntervalSince1970) - start.timeIntervalSince1970
        let reserve = try BenchReserveTiming.measure(candidates: [1, 20, 64, 500], repeats: 200)
        return [
            ("1,200 agents of 1 room, pages of 50, \(agentViewVariants[0].label)",
             String(format: "%d of %d rooms assigned in %.1f s, to %d distinct agents, max load %d; ",
                    assigned, sent, elapsed, Set(mine.map(\.agent)).count, report.maxLoads.values.max() ?? 0)
                + perRoom(before, after, rooms: assigned)),
            ("reserve.lua usec_per_call:", reserve.map { "\($0.candidates) candidates " + String(format: "%.1f µs", $0.microseconds) }
                .joined(separator: ", ")),
        ]
    }

    /// Polls the simulator's counters until `count` more assigns than `since` are recorded, none came for 15 s
    /// (the rest will not be: e.g. agents the service never lists), or 120 s passed; returns the last reading.
    static func waitForAssigns(_ stack: LocalStack, count: Int, since: SimulatorStats, client: HTTPClient) throws -> SimulatorStats {
        let start = Date()
        var stats = try stack.simulatorStats(client: client)
        var progress = (count: stats.assignCount, at: Date())
        while stats.assignCount - since.assignCount < count, Date().timeIntervalSince(start) < 120,
              Date().timeIntervalSince(progress.at) < 15 {
            Thread.sleep(forTimeInterval: 0.05)
            stats = try stack.simulatorStats(client: client)
            if stats.assignCount != progress.count { progress = (stats.assignCount, Date()) }
        }
        return stats
    }
}
