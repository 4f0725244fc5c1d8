import Allocation
import Foundation
import Redis
import Synchronization
import Testing
import TestSupport

/// Many racers (each with a connection of its own) racing through claim / reserve / commit / rollback / release on few agents, on a private
/// redis-server whose script cache is flushed again and again meanwhile.
@Suite struct ConcurrencyTests {
    static let threads = 16
    static let attemptsPerThread = 150
    static let agents = [101, 102, 103]
    static let limit = 2

    /// What the threads did, for the final comparison with Redis.
    final class Ledger: Sendable {
        let assigned = Mutex<[String: Int]>([:]) // room -> agent, committed and not released
        let counts = Mutex<[String: Int]>([:])
        let errors = Mutex<[String]>([])
        let overLimit = Mutex<[String]>([])

        func count(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }
        func fail(_ text: String) { errors.withLock { $0.append(text) } }
    }

    /// Every racer has a client (a connection) of its own, as separate instances would.
    @Test func noAgentEverExceedsTheLimitAndFinalLoadsEqualTheCommittedRooms() async throws {
        let server = try await onThread { try RedisServerProcess.start() }
        defer { inBackground { server.stop() } }
        let keys = try Keyspace(prefix: "race", app: "app")
        let ledger = Ledger()
        let stop = Atomic<Bool>(false)
        let candidates = Self.agents.map { AgentCandidate(id: $0, reportedLoad: 0) }

        // Watches every agent's load while the race runs, and flushes the script cache every 20 ms.
        let watcher = Task {
            let running = server.client()
            let redis = running.service
            var flushes = 0
            while !stop.load(ordering: .relaxed) {
                do {
                    let loads = try await redis.execute(["HGETALL", keys.load]).array?.compactMap(\.string) ?? []
                    for index in stride(from: 1, to: loads.count, by: 2) where (Int(loads[index]) ?? 0) > Self.limit {
                        ledger.overLimit.withLock { $0.append("agent \(loads[index - 1]) at \(loads[index])") }
                    }
                    if flushes % 4 == 0 { try await redis.execute(["SCRIPT", "FLUSH"]) }
                    flushes += 1
                    try await Task.sleep(for: .milliseconds(5))
                } catch { ledger.fail("watcher: \(error)") }
            }
            ledger.count("flushes-\(flushes / 4)")
        }

        await withTaskGroup(of: Void.self) { group in
            for racer in 0..<Self.threads {
                group.addTask {
                    let running = server.client()
                    let store = AllocationStore(keys: keys, redis: running.service, wakeCap: 64)
                    await Self.race(racer, store: store, candidates: candidates, ledger: ledger)
                }
            }
        }
        stop.store(true, ordering: .relaxed)
        await watcher.value

        let counts = ledger.counts.withLock { $0 }
        #expect(ledger.errors.withLock { $0 }.isEmpty, "\(ledger.errors.withLock { $0.prefix(5) })")
        #expect(ledger.overLimit.withLock { $0 }.isEmpty, "\(ledger.overLimit.withLock { $0.prefix(5) })")
        #expect((counts["attempts"] ?? 0) >= 2_000, "\(counts)")
        #expect((counts["committed"] ?? 0) > 100 && (counts["no capacity"] ?? 0) > 0 && (counts["released"] ?? 0) > 0,
                "every path was exercised: \(counts)")
        #expect(counts.keys.contains { $0.hasPrefix("flushes-") && $0 != "flushes-0" }, "the script cache was flushed: \(counts)")

        let running = server.client()
        let snapshot = try await AllocationStore(keys: keys, redis: running.service).snapshot()
        let expected = ledger.assigned.withLock { $0 }.values.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
        #expect(snapshot.loads == expected, "final loads equal the committed, unreleased rooms")
        #expect(snapshot.countedLoads == snapshot.loads)
        #expect(snapshot.leased.isEmpty && !snapshot.states.values.contains("f"))
        #expect(snapshot.loads.values.allSatisfy { $0 <= Self.limit })
    }

    /// One racer's rooms: enqueue, claim, reserve, then commit, requeue or kill, and now and then a resolve.
    static func race(_ racer: Int, store: AllocationStore, candidates: [AgentCandidate], ledger: Ledger) async {
        var mine: [String] = []
        for attempt in 0..<attemptsPerThread {
            do {
                let room = String(racer * 100_000 + attempt + 1)
                try await store.run(Enqueue(room: room, session: "0"))
                let token = "t\(racer)-\(attempt)"
                let claim = try await store.run(Claim(token: token, leaseMilliseconds: 60_000))
                guard claim.code == .claimed, let claimed = claim.room else { continue }
                ledger.count("attempts")
                let reserve = try await store.run(Reserve(room: claimed, token: token, limit: limit,
                                                          candidates: candidates.shuffled()))
                switch reserve.code {
                case .reserved, .alreadyReserved:
                    guard let agent = reserve.agent, let load = reserve.load else {
                        ledger.fail("reserve without agent: \(reserve)")
                        continue
                    }
                    if load > limit { ledger.overLimit.withLock { $0.append("reserve gave \(agent) load \(load)") } }
                    let dice = Int.random(in: 0..<10)
                    if dice < 7 {
                        let commit = try await store.run(Commit(room: claimed, token: token, agent: agent))
                        guard commit.code == .committed else { ledger.fail("commit: \(commit)"); continue }
                        ledger.assigned.withLock { $0[claimed] = agent }
                        mine.append(claimed)
                        ledger.count("committed")
                    } else {
                        let to: RoomDisposition = dice < 9 ? .requeue : .dead(reason: "test")
                        try await store.run(Rollback(room: claimed, token: token, agent: agent, to: to))
                        ledger.count("rolled back")
                    }
                case .noCapacity:
                    let rollback = try await store.run(Rollback(room: claimed, token: token, agent: nil, to: .requeue))
                    if rollback.code != .requeued { ledger.fail("rollback without agent: \(rollback)") }
                    ledger.count("no capacity")
                case .alreadyAssigned:
                    ledger.fail("reserve: \(reserve)")
                }
                // Resolve one of this racer's rooms now and then, so capacity frees.
                if !mine.isEmpty, Int.random(in: 0..<3) == 0 {
                    let room = mine.removeFirst()
                    let release = try await store.run(Release(room: room))
                    guard release.code == .released else { ledger.fail("release: \(release)"); continue }
                    ledger.assigned.withLock { $0[room] = nil }
                    ledger.count("released")
                }
            } catch {
                ledger.fail("racer \(racer): \(error)")
            }
        }
    }
}
