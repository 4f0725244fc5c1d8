import Allocation
import Foundation
import LocalStack
import Redis

/// The cost inside Redis of one `reserve.lua` call by the number of candidates it is given, as Redis itself
/// times it (`INFO commandstats`, `cmdstat_evalsha` calls and usec read just before and after the call), on a
/// fresh redis-server: a room is enqueued once, then claimed, reserved (candidates 1...N, each with Qiscus
/// count 0 and limit 1) and rolled back, again and again. The scripts' keys and arguments come from an
/// ``AllocationStore`` for a scratch app, as the service builds them; the calls go over one plain connection,
/// so the two readings bracket exactly one `EVALSHA`.
enum BenchReserveTiming {
    /// The mean µs per reserve call at one candidate count.
    struct Result {
        var candidates: Int
        var microseconds: Double
    }

    static func measure(candidates counts: [Int], repeats: Int) throws -> [Result] {
        let server = try RedisServer.start()
        defer { server.stop() }
        let redis = server.connect()
        // Never run: the store only names the keys and arguments of each script.
        let store = AllocationStore(keys: try Keyspace(prefix: "bench", app: "reserve-timing"),
                                    redis: RedisClient(configuration: server.configuration()))
        var digests: [String: String] = [:]
        for script in [Enqueue.lua, Claim.lua, Reserve.lua, Rollback.lua] {
            digests[script.name] = try redis.execute(["SCRIPT", "LOAD", script.source]).string
        }
        func run<Script: AllocationScript>(_ script: Script, expecting code: Script.Code) throws -> [RedisReply] {
            let keys = store.keys(of: script)
            let reply = try redis.execute(["EVALSHA", digests[Script.name] ?? "", String(keys.count)]
                                          + keys + store.arguments(of: script))
            guard let values = reply.array, values.first?.int == Int64(code.rawValue) else {
                throw ToolError("\(Script.name).lua answered \(reply), expected code \(code.rawValue)")
            }
            return values
        }

        let room = "900000001"
        _ = try run(Enqueue(room: room, session: "1"), expecting: .queued)
        var token = 0
        return try counts.map { count in
            let candidates = (1...count).map { AgentCandidate(id: $0, reportedLoad: 0) }
            var calls = 0.0
            var microseconds = 0.0
            for _ in 0..<repeats {
                token += 1
                _ = try run(Claim(token: "bench-\(token)", leaseMilliseconds: 60_000), expecting: .claimed)
                let before = try Bench.commandStats(redis)["evalsha"] ?? (0, 0)
                let reserved = try run(Reserve(room: room, token: "bench-\(token)", limit: 1, candidates: candidates),
                                       expecting: .reserved)
                let after = try Bench.commandStats(redis)["evalsha"] ?? (0, 0)
                calls += after.calls - before.calls
                microseconds += after.usec - before.usec
                let agent = reserved.dropFirst().first?.int.map { Int($0) }
                _ = try run(Rollback(room: room, token: "bench-\(token)", agent: agent, to: .requeue), expecting: .requeued)
            }
            return Result(candidates: count, microseconds: microseconds / max(1, calls))
        }
    }
}
