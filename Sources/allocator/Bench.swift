import ArgumentParser
import Foundation
import HTTPClient
import LocalStack
import Redis
import Synchronization

/// `allocator bench` (`make bench`): real processes over loopback (redis-server, the simulator, one and two
/// `allocator serve` instances, a load generator in this process) and one table of results, each throughput
/// also as a ratio to the raw Redis round-trip rate measured in the same run.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure ingest, latency and throughput against the physical limit.")

    @Option(help: "Seconds per measurement.") var seconds = 5.0
    @Option(help: "Client connections of the load generator (and of the raw Redis reference).") var connections = 8
    @Option(help: "Allocations in flight per instance (WORKER_CONCURRENCY) in the throughput runs.") var workers = 64
    @Option(help: "Run only these measurements (comma separated: ingest, latency, throughput, routed, apps, latency50, burst, lowrate, agents1200).")
    var only: String?
    @Option(help: "The allocator binary whose simulate and serve are measured (default: this one), e.g. an older build to compare with on the same machine.")
    var allocator: String?

    func wanted(_ name: String) -> Bool {
        only.map { $0.split(separator: ",").contains { $0 == name } } ?? true
    }

    func run() throws {
        let binary = allocator ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        var rows: [(String, String)] = []
        let raw = try Self.rawRedisRate(connections: connections, seconds: seconds)
        rows.append(("raw Redis LPUSH via hiredis (\(connections) connections)", String(format: "%.0f ops/s (1.00)", raw.rate)))

        let environment = ["MAX_CUSTOMERS_PER_AGENT": "10000", "LOG_LEVEL": "error"]
        rows.append(("throughput runs: WORKER_CONCURRENCY", String(workers)))
        // 1. Ingest: no agent online, so every room just queues.
        if wanted("ingest") {
            let stack = try LocalStack(allocator: binary, instances: 1, agents: 0, environment: environment)
            defer { stack.stop() }
            let pids = [stack.instance(0).pid, stack.redis.pid, getpid()]
            let before = pids.map(Self.cpuSeconds)
            let result = try Self.flood(stack, instances: [0], connections: connections, seconds: seconds, prefix: 1)
            let cpu = zip(pids, before).map { (Self.cpuSeconds(pid: $0) - $1) * 1e6 / max(1, result.rate * seconds) }
            rows.append(("webhook ingest, 1 instance", String(format: "%.0f req/s (%.2f), p50 %.2f ms, p99 %.2f ms",
                                                         result.rate, result.rate / raw.rate, result.p50, result.p99)))
            rows.append(("", String(format: "CPU per webhook: service %.0f µs, redis %.0f, load generator %.0f",
                                    cpu[0], cpu[1], cpu[2])))
        }
        // 2. Webhook received -> assign call made, with free capacity, at a steady 200 webhooks/s.
        if wanted("latency") {
            let stack = try LocalStack(allocator: binary, instances: 1, agents: 20, environment: environment)
            defer { stack.stop() }
            let latency = try Self.webhookToAssign(stack, rate: 200, rooms: Int(seconds * 200))
            rows.append(("webhook -> assign call, free capacity", String(format: "p50 %.2f ms, p99 %.2f ms", latency.p50, latency.p99)))
        }
        // 3. Allocations per second end to end.
        // The first run is the baseline: a listing per room (AGENT_VIEW_MAX_AGE_MS=0), as before the agent view.
        let throughputRuns = [(0, 1, true), (0, 1, false), (0, 2, false), (50, 1, false), (50, 2, false)]
        for (latency, instances, baseline) in throughputRuns where wanted("throughput") {
            do {
                var throughputEnvironment = environment
                throughputEnvironment["WORKER_CONCURRENCY"] = String(workers)
                if baseline { throughputEnvironment["AGENT_VIEW_MAX_AGE_MS"] = "0" }
                let stack = try LocalStack(allocator: binary, instances: instances, agents: 20,
                                           simulatorArguments: ["--latency-ms", String(latency), "--threads", latency == 0 ? "4" : "0"],
                                           environment: throughputEnvironment)
                defer { stack.stop() }
                let result = try Self.throughput(stack, instances: instances, connections: connections,
                                                 rooms: latency == 0 ? 10_000 : 2_000)
                rows += result.rows("allocations/s, \(instances) instance\(instances > 1 ? "s" : ""), API latency \(latency) ms"
                                        + (baseline ? ", AGENT_VIEW_MAX_AGE_MS=0" : ""),
                                    rawRate: raw.rate)
            }
        }
        // 4. The same with three routes (two by channel and division, one agent in both, and default), at API
        // latency 0: the cost of routing next to the single-route rows above.
        for instances in [1, 2] where wanted("routed") {
            var routedEnvironment = environment
            routedEnvironment["WORKER_CONCURRENCY"] = String(workers)
            routedEnvironment["ROUTES_FILE"] = try BenchRoutes.writeFile()
            let stack = try LocalStack(allocator: binary, instances: instances, agents: 20,
                                       simulatorArguments: ["--latency-ms", "0", "--threads", "4"],
                                       environment: routedEnvironment)
            defer { stack.stop() }
            try BenchRoutes.configure(stack)
            let result = try Self.throughput(stack, instances: instances, connections: connections, rooms: 10_000,
                                             body: BenchRoutes.webhook)
            rows += result.rows("allocations/s, 3 routes, \(instances) instance\(instances > 1 ? "s" : ""), API latency 0 ms",
                                rawRate: raw.rate)
        }
        // 5. Three apps of a tenants file on one redis-server and on a Redis Cluster (an app per master).
        if wanted("apps") { rows += try appsRows(binary: binary, rawRate: raw.rate) }
        // 6. The agent view: Qiscus listings per room served, and what reusing them costs in latency and load.
        rows += try agentViewRows(binary: binary)
        print(Self.machine(redisVersion: raw.version))
        let width = rows.map(\.0.count).max() ?? 0
        for (name, value) in rows { print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value) }
    }

    // MARK: - Measurements

    static func rawRedisRate(connections: Int, seconds: Double) throws -> (rate: Double, version: String) {
        let server = try RedisServer.start()
        defer { server.stop() }
        let version = (try server.connect().execute(["INFO", "server"]).string ?? "")
            .split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }.map { String($0.dropFirst(14)) } ?? "?"
        let total = Atomic<Int>(0)
        let deadline = Date().addingTimeInterval(seconds)
        onThreads(connections) { index in
            let redis = server.connect()
            var count = 0
            while Date() < deadline {
                if (try? redis.execute(["LPUSH", "bench:\(index)", "x"])) != nil { count += 1 }
            }
            total.add(count, ordering: .relaxed)
        }
        return (Double(total.load(ordering: .relaxed)) / seconds, version)
    }

    struct Flood {
        var rate: Double
        var p50: Double
        var p99: Double
    }

    /// Posts unique rooms as fast as `connections` keep-alive clients can, for `seconds` (or until each
    /// client sent `perClient` rooms).
    /// - Parameter paths: where the webhooks go, in turn (one per app of a tenants file).
    static func flood(_ stack: LocalStack, instances: [Int], connections: Int, seconds: Double, prefix: Int,
                      perClient: Int = .max, paths: [String] = ["/webhooks/allocate"],
                      body: @escaping @Sendable (String, Int) -> String = plainWebhook) throws -> Flood {
        let latencies = Mutex<[Double]>([])
        let deadline = Date().addingTimeInterval(seconds)
        let ports = instances.map { UInt16(stack.instanceURLs[$0].split(separator: ":").last ?? "") ?? 0 }
        onThreads(connections) { index in
            var mine: [Double] = []
            guard let clients = try? ports.map({ try BenchConnection(port: $0) }) else { return }
            var next = 0
            while Date() < deadline, next < perClient {
                next += 1
                let room = "\(prefix)\(String(format: "%03d", index))\(next)"
                let request = BenchConnection.post(paths[(index + next) % paths.count], json: body(room, next))
                let start = DispatchTime.now().uptimeNanoseconds
                let status = try? clients[next % clients.count].send(request)
                if status == 200 { mine.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
            }
            latencies.withLock { $0 += mine }
        }
        let sorted = latencies.withLock { $0 }.sorted()
        return Flood(rate: Double(sorted.count) / seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99))
    }

    /// The smallest allocation webhook: a room id.
    static func plainWebhook(room: String, index: Int) -> String { "{\"room_id\":\"\(room)\"}" }

    /// What ``webhookToAssign(_:rate:rooms:prefix:)`` measured.
    struct WebhookLatency {
        /// Webhook sent -> assign call recorded by the simulator, in ms.
        var p50: Double
        var p99: Double
        var sent: Int
        /// Rooms sent whose assign call the simulator recorded.
        var assigned: Int
    }

    /// Sends `rooms` webhooks at a steady `rate` (the first at once; room ids `<prefix>1`, `<prefix>2`, ...)
    /// and measures each until the simulator recorded its assign call, waiting up to 10 s after the last
    /// webhook for every room to be assigned.
    static func webhookToAssign(_ stack: LocalStack, rate: Double, rooms: Int, prefix: String = "2") throws -> WebhookLatency {
        let client = HTTPClient()
        let before = try stack.simulatorStats(client: client).assignCount
        var sent: [String: Double] = [:]
        let start = Date()
        while sent.count < rooms {
            let due = min(rooms, Int(Date().timeIntervalSince(start) * rate) + 1)
            while sent.count < due {
                let room = "\(prefix)\(sent.count + 1)"
                sent[room] = Date().timeIntervalSince1970
                _ = try client.perform(HTTPClientRequest(method: "POST", url: stack.instanceURLs[0] + "/webhooks/allocate",
                                                         body: .json(Data("{\"room_id\":\"\(room)\"}".utf8))))
            }
            usleep(500)
        }
        let deadline = Date().addingTimeInterval(10)
        while try stack.simulatorStats(client: client).assignCount - before < rooms, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        var waits: [String: Double] = [:]
        for record in try stack.simulatorReport(client: client).assigns where waits[record.room] == nil {
            if let at = sent[record.room] { waits[record.room] = (record.at - at) * 1000 }
        }
        let sorted = waits.values.sorted()
        return WebhookLatency(p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), sent: rooms, assigned: sorted.count)
    }

    struct Throughput {
        var rate: Double
        /// Commands Redis ran for clients (scripts, blocking pops, transactions), per allocation.
        var commands: Double
        /// The same by command, e.g. `evalsha 3.98, blpop 0.03`.
        var commandMix: String
        /// Network round trips the instances made to Redis (a command, or a pipeline of them), per allocation.
        var roundTrips: Double
        var peakRSS: [Double]
        /// CPU time per allocation, in µs, of the instances together, the simulator, redis-server and the
        /// load generator (this process).
        var cpu: CPUShare

        /// The table rows of this result: throughput (and its ratio to the raw Redis rate), Redis work and
        /// memory, CPU, and the command mix.
        func rows(_ label: String, rawRate: Double) -> [(String, String)] {
            [(label, String(format: "%.0f/s (%.2f), Redis per allocation: %.2f commands in %.2f round trips, peak RSS %@",
                            rate, rate / rawRate, commands, roundTrips,
                            peakRSS.map { String(format: "%.1f MB", $0) }.joined(separator: " / "))),
             ("", cpu.text),
             ("", "Redis commands per allocation: " + commandMix)]
        }
    }

    struct CPUShare {
        var instances, simulator, redis, loadGenerator: Double

        var text: String {
            String(format: "CPU per allocation: service %.0f µs, simulator %.0f, redis %.0f, load generator %.0f",
                   instances, simulator, redis, loadGenerator)
        }
    }

    /// Sends `rooms` webhooks as fast as the clients can and measures until the simulator recorded every
    /// assign call: allocations per second from the first webhook to the last assign, and Redis commands
    /// (everything: enqueue, claim, reserve, commit, wake-ups, timers) per allocation.
    static func throughput(_ stack: LocalStack, instances: Int, connections: Int, rooms: Int,
                           body: @escaping @Sendable (String, Int) -> String = plainWebhook) throws -> Throughput {
        let redis = stack.redis.connect()
        // Round trips are the commands clients send: the scripts (whose inner calls Redis counts as commands
        // too, so total_commands_processed would overstate them), wake-up blocks and transactions.
        let topLevel: Set<String> = ["evalsha", "eval", "blpop", "multi", "exec", "ping", "script"]
        func commands() throws -> [String: Double] {
            try commandStats(redis).filter { topLevel.contains($0.key) }.mapValues(\.calls)
        }
        let poller = HTTPClient()
        let before = try stack.simulatorStats(client: poller).assignCount
        let commandsBefore = try commands()
        let pids = [(0..<instances).map { stack.instance($0).pid }, [stack.simulatorProcess.pid], [stack.redis.pid], [getpid()]]
        let cpuBefore = pids.map { $0.map(cpuSeconds).reduce(0, +) }
        let roundTripsBefore = try (0..<instances).map { try roundTrips(stack, instance: $0) }.reduce(0, +)
        let start = Date()
        _ = try flood(stack, instances: Array(0..<instances), connections: connections, seconds: 600, prefix: 3,
                      perClient: rooms / connections, body: body)
        let sent = rooms / connections * connections
        var assigned = 0
        var last = start
        while Date().timeIntervalSince(start) < 120 {
            let stats = try stack.simulatorStats(client: poller)
            assigned = stats.assignCount - before
            if assigned >= sent {
                last = Date(timeIntervalSince1970: stats.lastAssignAt ?? Date().timeIntervalSince1970)
                break
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let commandsAfter = try commands()
        let share = max(1, Double(assigned))
        let mix = commandsAfter.map { ($0.key, ($0.value - (commandsBefore[$0.key] ?? 0)) / share) }
            .filter { $0.1 >= 0.005 }.sorted { $0.1 > $1.1 }
            .map { String(format: "%@ %.2f", $0.0, $0.1) }.joined(separator: ", ")
        let roundTripsAfter = try (0..<instances).map { try roundTrips(stack, instance: $0) }.reduce(0, +)
        let cpu = zip(pids, cpuBefore).map { ($0.map(cpuSeconds).reduce(0, +) - $1) * 1e6 / Double(max(1, assigned)) }
        let rss = (0..<instances).map { peakRSS(pid: stack.instance($0).pid) }
        return Throughput(rate: Double(assigned) / max(0.001, last.timeIntervalSince(start)),
                          commands: assigned > 0 ? (commandsAfter.values.reduce(0, +) - commandsBefore.values.reduce(0, +)) / Double(assigned) : 0,
                          commandMix: mix,
                          roundTrips: assigned > 0 ? (roundTripsAfter - roundTripsBefore) / Double(assigned) : 0, peakRSS: rss,
                          cpu: CPUShare(instances: cpu[0], simulator: cpu[1], redis: cpu[2], loadGenerator: cpu[3]))
    }

    // MARK: - Helpers

    /// `INFO commandstats` by command (`evalsha`, `blpop`, ...): calls and µs spent so far.
    static func commandStats(_ redis: RedisConnection) throws -> [String: (calls: Double, usec: Double)] {
        let info = try redis.execute(["INFO", "commandstats"]).string ?? ""
        return info.split(separator: "\r\n").reduce(into: [:]) { stats, line in
            guard line.hasPrefix("cmdstat_"), let colon = line.firstIndex(of: ":") else { return }
            var fields: [Substring: Double] = [:]
            for pair in line[line.index(after: colon)...].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { fields[parts[0]] = Double(parts[1]) }
            }
            stats[String(line[line.index(line.startIndex, offsetBy: 8)..<colon])] = (fields["calls"] ?? 0, fields["usec"] ?? 0)
        }
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
    }

    /// The Redis round trips an instance made so far (`caa_redis_round_trips` on its `/metrics`; reading it
    /// adds the few commands of one scrape).
    static func roundTrips(_ stack: LocalStack, instance: Int) throws -> Double {
        let text = try stack.get(stack.instanceURLs[instance] + "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix("caa_redis_round_trips ") || $0.hasPrefix("caa_redis_round_trips{") }
        return line.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
    }

    /// User plus system CPU time a process used so far, in seconds (`/proc/<pid>/stat`).
    static func cpuSeconds(pid: pid_t) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return 0 }
        // After "pid (comm)" come the fields from the 3rd on; utime and stime are the 14th and 15th.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// VmHWM of a process, in MB.
    static func peakRSS(pid: pid_t) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
    }

    static func machine(redisVersion: String) -> String {
        let cpu = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "?" } ?? "?"
        return "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), Redis \(redisVersion), everything on this machine over loopback\n"
    }
}
