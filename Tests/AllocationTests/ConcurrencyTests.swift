import Allocation
import Foundation
import Redis
import Synchronization
import Testing
import TestSupport

/// Many threads racing through claim / reserve / commit / rollback / release on few agents, on a private
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

    @Test func noAgentEverExceedsTheLimitAndFinalLoadsEqualTheCommittedRooms() throws {
        let server = try RedisServerProcess.start()
        defer { server.stop() }
        let store = AllocationStore(keys: try Keyspace(prefix: "race", app: "app"), wakeCap: 64)
        let ledger = Ledger()
        let stop = Atomic<Bool>(false)
        let candidates = Self.agents.map { AgentCandidate(id: $0, reportedLoad: 0) }

        // Watches every agent's load while the race runs, and flushes the script cache every 20 ms.
        let watcher = Thread {
            let redis = server.connect()
            var flushes = 0
            while !stop.load(ordering: .relaxed) {
                do {
                    let loads = try redis.execute(["HGETALL", store.keys.load]).array?.compactMap(\.string) ?? []
                    for index in stride(from: 1, to: loads.count, by: 2) where (Int(loads[index]) ?? 0) > Self.limit {
                        ledger.overLimit.withLock { $0.append("agent \(loads[index - 1]) at \(loads[index])") }
                    }
                    if flushes % 4 == 0 { try redis.execute(["SCRIPT", "FLUSH"]) }
                    flushes += 1
                } catch { ledger.fail("watcher: \(error)") }
                Thread.sleep(forTimeInterval: 0.005)
            }
            ledger.count("flushes-\(flushes / 4)")
        }
        watcher.start()

        let group = DispatchGroup()
        for thread in 0..<Self.threads {
            group.enter()
            Thread {
                defer { group.leave() }
                let redis = server.connect()
                var mine: [String] = []
                for attempt in 0..<Self.attemptsPerThread {
                    do {
                        let room = String(thread * 100_000 + attempt + 1)
                        _ = try store.enqueue(room: room, session: "0", on: redis)
                        let token = "t\(thread)-\(attempt)"
                        let claim = try store.claim(token: token, leaseMilliseconds: 60_000, on: redis)
                        guard claim.code == .claimed, let claimed = claim.room else { continue }
                        ledger.count("attempts")
                        let reserve = try store.reserve(room: claimed, token: token, limit: Self.limit,
                                                        candidates: candidates.shuffled(), on: redis)
                        switch reserve.code {
                        case .reserved, .alreadyReserved:
                            guard let agent = reserve.agent, let load = reserve.load else {
                                ledger.fail("reserve without agent: \(reserve)")
                                continue
                            }
                            if load > Self.limit { ledger.overLimit.withLock { $0.append("reserve gave \(agent) load \(load)") } }
                            let dice = Int.random(in: 0..<10)
                            if dice < 7 {
                                let commit = try store.commit(room: claimed, token: token, agent: agent, on: redis)
                                guard commit.code == .committed else { ledger.fail("commit: \(commit)"); continue }
                                ledger.assigned.withLock { $0[claimed] = agent }
                                mine.append(claimed)
                                ledger.count("committed")
                            } else {
                                let to: RoomDisposition = dice < 9 ? .requeue : .dead(reason: "test")
                                let rollback = try store.rollback(room: claimed, token: token, agent: agent, to: to, on: redis)
                                guard rollback.code == .requeued || rollback.code == .dead else {
                                    ledger.fail("rollback: \(rollback)")
                                    continue
                                }
                                ledger.count("rolled back")
                            }
                        case .noCapacity:
                            let rollback = try store.rollback(room: claimed, token: token, agent: nil, to: .requeue, on: redis)
                            if rollback.code != .requeued { ledger.fail("rollback without agent: \(rollback)") }
                            ledger.count("no capacity")
                        default:
                            ledger.fail("reserve: \(reserve)")
                        }
                        // Resolve one of this thread's rooms now and then, so capacity frees.
                        if !mine.isEmpty, Int.random(in: 0..<3) == 0 {
                            let room = mine.removeFirst()
                            let release = try store.release(room: room, on: redis)
                            guard release.code == .released else { ledger.fail("release: \(release)"); continue }
                            ledger.assigned.withLock { $0[room] = nil }
                            ledger.count("released")
                        }
                    } catch {
                        ledger.fail("thread \(thread): \(error)")
                    }
                }
            }.start()
        }
        group.wait()
        stop.store(true, ordering: .relaxed)
        while !watcher.isFinished { Thread.sleep(forTimeInterval: 0.005) }

        let counts = ledger.counts.withLock { $0 }
        #expect(ledger.errors.withLock { $0 }.isEmpty, "\(ledger.errors.withLock { $0.prefix(5) })")
        #expect(ledger.overLimit.withLock { $0 }.isEmpty, "\(ledger.overLimit.withLock { $0.prefix(5) })")
        #expect((counts["attempts"] ?? 0) >= 2_000, "\(counts)")
        #expect((counts["committed"] ?? 0) > 100 && (counts["no capacity"] ?? 0) > 0 && (counts["released"] ?? 0) > 0,
                "every path was exercised: \(counts)")
        #expect(counts.keys.contains { $0.hasPrefix("flushes-") && $0 != "flushes-0" }, "the script cache was flushed: \(counts)")

        let snapshot = try store.snapshot(on: server.connect())
        let expected = ledger.assigned.withLock { $0 }.values.reduce(into: [Int: Int]()) { $0[$1, default: 0] += 1 }
        #expect(snapshot.loads == expected, "final loads equal the committed, unreleased rooms")
        #expect(snapshot.countedLoads == snapshot.loads)
        #expect(snapshot.leased.isEmpty && !snapshot.states.values.contains("f"))
        #expect(snapshot.loads.values.allSatisfy { $0 <= Self.limit })
    }
}
