import Foundation
import HTTPClient
import LocalStack
import Redis
import Synchronization

extension Bench {
    /// Three apps on one instance (a tenants file), each with its own simulator: on one redis-server, then on a
    /// three-master Redis Cluster where each app's slot is on another master, in the same run, so the second
    /// reads as a ratio to the first. On one machine both share its cores: the ratio shows what the cluster
    /// client costs (routing, a connection per master), not what more machines would give.
    func appsRows(binary: String, rawRate: Double) throws -> [(String, String)] {
        let environment = ["MAX_CUSTOMERS_PER_AGENT": "10000", "LOG_LEVEL": "error", "WORKER_CONCURRENCY": String(workers)]
        let rooms = 9_000
        let single = try Self.appsThroughput(binary: binary, ids: ["bench-a", "bench-b", "bench-c"], redisURL: nil,
                                             environment: environment, connections: connections, rooms: rooms)
        var rows: [(String, String)] = [(
            "allocations/s, 3 apps, 1 instance, one redis-server",
            String(format: "%.0f/s (%.2f), CPU per allocation: service %.0f µs, redis %.0f",
                   single.rate, single.rate / rawRate, single.serviceCPU, single.redisCPU),
        )]
        let cluster = try RedisCluster.start(masters: 3, replicasPerMaster: 0)
        defer { cluster.stop() }
        let masters = try cluster.masters()
        // An app id per master: the first `bench-<n>` whose slot that master serves.
        let ids = masters.map { master in
            (0...).lazy.map { "bench-\($0)" }.first { master.serves(RedisKeySlot.slot(of: "{\($0)}")) }!
        }
        let spread = try Self.appsThroughput(binary: binary, ids: ids, redisURL: "redis://127.0.0.1:\(masters[0].port)/0",
                                             environment: environment, connections: connections, rooms: rooms,
                                             redisPIDs: cluster.servers.map(\.pid))
        rows.append((
            "allocations/s, 3 apps, 1 instance, Redis Cluster (an app per master)",
            String(format: "%.0f/s (%.2f of one redis-server), CPU per allocation: service %.0f µs, redis (3 masters) %.0f",
                   spread.rate, spread.rate / max(1, single.rate), spread.serviceCPU, spread.redisCPU),
        ))
        return rows
    }

    struct AppsThroughput {
        var rate: Double
        /// CPU time per allocation, µs, of the instance and of the redis-server(s).
        var serviceCPU: Double
        var redisCPU: Double
    }

    /// Sends `rooms` webhooks spread evenly over the apps' paths as fast as `connections` clients can, and
    /// measures from the first webhook until every app's simulator recorded its rooms' assign calls.
    static func appsThroughput(binary: String, ids: [String], redisURL: String?, environment: [String: String],
                               connections: Int, rooms: Int, redisPIDs: [pid_t]? = nil) throws -> AppsThroughput {
        let apps = ids.map { LocalStackApp($0, agents: 20, simulatorArguments: ["--latency-ms", "0", "--threads", "2"]) }
        let stack = try LocalStack(allocator: binary, instances: 1, apps: apps, environment: environment, redisURL: redisURL)
        defer { stack.stop() }
        let poller = HTTPClient()
        let before = try ids.map { try stack.simulatorStats(app: $0, client: poller).assignCount }
        let pids = [[stack.instance(0).pid], redisPIDs ?? [stack.redis.pid]]
        let cpuBefore = pids.map { $0.map(cpuSeconds).reduce(0, +) }
        let start = Date()
        _ = try flood(stack, instances: [0], connections: connections, seconds: 600, prefix: 4,
                      perClient: rooms / connections, paths: ids.map { "/webhooks/\($0)/allocate" })
        let sent = rooms / connections * connections
        var assigned = 0
        var last = start
        while Date().timeIntervalSince(start) < 120 {
            let stats = try ids.map { try stack.simulatorStats(app: $0, client: poller) }
            assigned = zip(stats, before).map { $0.assignCount - $1 }.reduce(0, +)
            if assigned >= sent {
                last = Date(timeIntervalSince1970: stats.compactMap(\.lastAssignAt).max() ?? Date().timeIntervalSince1970)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let cpu = zip(pids, cpuBefore).map { ($0.map(cpuSeconds).reduce(0, +) - $1) * 1e6 / Double(max(1, assigned)) }
        return AppsThroughput(rate: Double(assigned) / max(0.001, last.timeIntervalSince(start)), serviceCPU: cpu[0], redisCPU: cpu[1])
    }
}
