import Allocation
import Foundation
import Redis
import Testing
import TestSupport

/// Not a check: measures what Redis keeps per room in each phase, for the table in docs/redis.md. Off unless
/// `CAA_MEASURE_ROOM_BYTES` is set:
/// `CAA_MEASURE_ROOM_BYTES=1 swift test --skip-build --filter RoomMemoryMeasurement`.
///
/// Each phase is measured with 1,000 and with 11,000 rooms on a private redis-server (default encodings, so both
/// sizes use the large encodings of hashes and sorted sets); the per-room figure is the difference divided by
/// 10,000, so what does not grow with rooms (the wake list, an agent's books) drops out.
@Suite struct RoomMemoryMeasurement {
    static let enabled = ProcessInfo.processInfo.environment["CAA_MEASURE_ROOM_BYTES"] != nil

    /// One measurement: per key its entries and bytes, and the server's `used_memory`.
    struct Sample {
        var entries: [String: Int]
        var bytes: [String: Int]
        var usedMemory: Int
    }

    static let phases = ["queued", "queued (route sales)", "in flight (reserved)", "assigned", "resolved (tombstone)",
                         "resolved, tombstone expired", "dead"]

    @Test(.enabled(if: enabled)) func measureBytesPerRoomInEachPhase() async throws {
        let server = try await onThread { try RedisServerProcess.start() }
        defer { inBackground { server.stop() } }
        var samples: [Int: [String: Sample]] = [:]
        for count in [1_000, 11_000] {
            samples[count] = try await Self.play(rooms: count, server: server)
        }
        let small = try #require(samples[1_000]), large = try #require(samples[11_000])
        var report = "per room, from 1,000 to 11,000 rooms (redis-server \(try await Self.version(server))):\n"
        for phase in Self.phases {
            let a = try #require(small[phase]), b = try #require(large[phase])
            let keys = Set(a.bytes.keys).union(b.bytes.keys).sorted()
            let parts = keys.compactMap { key -> String? in
                let bytes = Double((b.bytes[key] ?? 0) - (a.bytes[key] ?? 0)) / 10_000
                let entries = Double((b.entries[key] ?? 0) - (a.entries[key] ?? 0)) / 10_000
                guard abs(bytes) >= 0.5 || entries != 0 else { return nil }
                return "\(key) \(String(format: "%.0f", bytes)) B (\(String(format: "%.2g", entries)) entries)"
            }
            let total = Double(keys.reduce(0) { $0 + (b.bytes[$1] ?? 0) - (a.bytes[$1] ?? 0) }) / 10_000
            let used = Double(b.usedMemory - a.usedMemory) / 10_000
            report += "\(phase): MEMORY USAGE \(String(format: "%.0f", total)) B, used_memory \(String(format: "%.0f", used)) B; "
                + parts.joined(separator: ", ") + "\n"
        }
        print(report)
    }

    static func version(_ server: RedisServerProcess) async throws -> String {
        let f = try StoreFixture(server: server)
        let info = try await f.redis.execute(["INFO", "server"]).string ?? ""
        return AllocationStore.redisVersion(inServerInfo: info) ?? "?"
    }

    /// Plays `rooms` rooms through every phase in fresh apps and samples after each.
    static func play(rooms: Int, server: RedisServerProcess) async throws -> [String: Sample] {
        var samples: [String: Sample] = [:]
        let ids = (0..<rooms).map { String(100_000 + $0) }
        let candidates = (1...20).map { AgentCandidate(id: $0, reportedLoad: 0, limit: 10_000) }

        // the life of a room of route default, phase by phase
        let f = try StoreFixture(server: server, routes: [Keyspace.defaultRoute, "sales"])
        let store = f.store
        try await concurrently(ids) { _ = try await store.run(Enqueue(room: $0, session: "0")) }
        samples["queued"] = try await sample(f)
        let claims = try await concurrently(ids) { _ in
            let token = UUID().uuidString
            let claimed = try await store.run(Claim(token: token, leaseMilliseconds: 3_600_000))
            let room = try #require(claimed.room)
            let reserved = try await store.run(Reserve(room: room, token: token, limit: 10_000, candidates: candidates))
            return (room, token, try #require(reserved.agent))
        }
        samples["in flight (reserved)"] = try await sample(f)
        try await concurrently(claims) { _ = try await store.run(Commit(room: $0.0, token: $0.1, agent: $0.2)) }
        samples["assigned"] = try await sample(f)
        try await concurrently(ids) { _ = try await store.run(Release(room: $0, sessionFloor: "88123401")) }
        samples["resolved (tombstone)"] = try await sample(f)
        try await Task.sleep(for: .milliseconds(20))
        try await f.expireAll(ageMilliseconds: 1)
        samples["resolved, tombstone expired"] = try await sample(f)
        try await clear(f)

        let routed = try StoreFixture(server: server, routes: [Keyspace.defaultRoute, "sales"])
        let routedStore = routed.store
        try await concurrently(ids) { _ = try await routedStore.run(Enqueue(room: $0, session: "0", route: "sales")) }
        samples["queued (route sales)"] = try await sample(routed)
        try await clear(routed)

        let dying = try StoreFixture(server: server)
        let dyingStore = dying.store
        try await concurrently(ids) { _ = try await dyingStore.run(Enqueue(room: $0, session: "0")) }
        try await concurrently(ids) { _ in
            let token = UUID().uuidString
            let room = try #require(try await dyingStore.run(Claim(token: token, leaseMilliseconds: 3_600_000)).room)
            _ = try await dyingStore.run(Rollback(room: room, token: token, agent: nil,
                                                  to: .dead(reason: "qiscus: HTTP 500 after 5 attempts")))
        }
        samples["dead"] = try await sample(dying)
        try await clear(dying)
        return samples
    }

    /// Deletes every key of the app, so the next sample's `used_memory` holds only its own app.
    static func clear(_ f: StoreFixture) async throws {
        try await f.redis.execute(["DEL"] + f.keys.all(routes: f.store.routes))
    }

    static func sample(_ f: StoreFixture) async throws -> Sample {
        let info = try await f.redis.execute(["INFO", "memory"]).string ?? ""
        let used = info.split(whereSeparator: \.isNewline).first { $0.hasPrefix("used_memory:") }
            .flatMap { Int($0.dropFirst("used_memory:".count)) } ?? 0
        var entries = try await f.footprint()
        var bytes = try await f.memoryUsage()
        for route in f.store.otherRoutes {
            let key = f.keys.queue(route: route)
            if let size = try await f.redis.execute(["ZCARD", key]).int, size > 0 {
                entries["queue:\(route)"] = Int(size)
                bytes["queue:\(route)"] = Int(try await f.redis.execute(["MEMORY", "USAGE", key, "SAMPLES", "0"]).int ?? 0)
            }
        }
        return Sample(entries: entries, bytes: bytes, usedMemory: used)
    }

    /// `body` for every item, 256 at a time (the client pipelines their calls); the answers in item order.
    @discardableResult
    static func concurrently<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R] {
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            var answers: [R?] = Array(repeating: nil, count: items.count)
            for (index, item) in items.enumerated() {
                if index >= 256, let (done, answer) = try await group.next() { answers[done] = answer }
                group.addTask { (index, try await body(item)) }
            }
            for try await (done, answer) in group { answers[done] = answer }
            return answers.compactMap { $0 }
        }
    }
}
