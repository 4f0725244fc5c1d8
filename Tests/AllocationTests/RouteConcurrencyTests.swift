import Allocation
import Foundation
import Redis
import Synchronization
import Testing
import TestSupport

/// An agent who serves two routes, raced for by 16 tasks (each with a connection of its own) claiming rooms of
/// both routes: its one limit holds over both routes at every moment.
@Suite struct RouteConcurrencyTests {
    static let tasks = 16
    static let attemptsPerTask = 60
    static let routeLimit = 3
    /// Agent 1 serves both routes; agent 2 serves route b only.
    static func candidates(of route: String) -> [AgentCandidate] {
        route == "a" ? [AgentCandidate(id: 1, reportedLoad: 0, limit: routeLimit)]
                     : [AgentCandidate(id: 1, reportedLoad: 0, limit: routeLimit), AgentCandidate(id: 2, reportedLoad: 0, limit: routeLimit)]
    }

    /// What the tasks saw.
    final class Ledger: Sendable {
        let counts = Mutex<[String: Int]>([:])
        let problems = Mutex<[String]>([])

        func count(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }
        func fail(_ text: String) { problems.withLock { $0.append(text) } }
    }

    @Test(arguments: [nil, 1] as [Int?])
    func anAgentOfTwoRoutesNeverHoldsMoreThanItsLimit(override: Int?) async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        let limit = override ?? Self.routeLimit
        if let override { try await f.override(1, limit: .set(override)) }
        for index in 1...1000 { try await f.enqueue(String(index), route: index % 2 == 0 ? "b" : "a") }
        let ledger = Ledger()
        let server = try RedisServerProcess.shared
        let keys = f.keys
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    let running = server.client()
                    let store = AllocationStore(keys: keys, redis: running.service, wakeCap: 64, routes: ["a", "b"])
                    await Self.race(task, store: store, limit: limit, ledger: ledger)
                }
            }
        }
        let counts = ledger.counts.withLock { $0 }
        #expect(ledger.problems.withLock { $0 }.isEmpty, "\(ledger.problems.withLock { $0.prefix(5) })")
        #expect((counts["reserved 1"] ?? 0) >= limit && (counts["no capacity"] ?? 0) > 0 && (counts["released"] ?? 0) > 0,
                "every path was taken: \(counts)")
        #expect(counts.keys.contains("reserved 1 for a") && counts.keys.contains("reserved 1 for b"), "\(counts)")

        // Every free slot taken, one room at a time and route by route: exactly the limit of rooms hold agent 1.
        for route in ["b", "a"] {
            for _ in 0..<10 {
                let claim = try await f.claim(token: "fill", routes: [route])
                let room = try #require(claim.room)
                let reserve = try await f.reserve(room, token: "fill", limit: 50, own: Self.candidates(of: route))
                guard let agent = reserve.agent, reserve.code == .reserved else {
                    try await f.store.run(Rollback(room: room, token: "fill", agent: nil, to: .requeue, route: route))
                    break
                }
                #expect(try await f.store.run(Commit(room: room, token: "fill", agent: agent)).code == .committed)
            }
        }
        let snapshot = try await f.snapshot()
        #expect(try await f.rooms(of: 1).count == limit && snapshot.loads[1] == limit, "\(snapshot.loads)")
        #expect(snapshot.loads[2] == Self.routeLimit && snapshot.countedLoads == snapshot.loads)
        #expect(snapshot.leased.isEmpty && !snapshot.states.values.contains("f"))
    }

    /// One task: claim from both routes (or one of them), reserve among the claimed room's route's agents, check
    /// agent 1's load, then commit, or requeue when nobody has room; now and then one of the task's rooms is
    /// resolved, so slots free.
    static func race(_ task: Int, store: AllocationStore, limit: Int, ledger: Ledger) async {
        var mine: [String] = []
        for attempt in 0..<attemptsPerTask {
            do {
                let token = "t\(task)-\(attempt)"
                // A third of the tasks claim from both routes, the others as workers that park a full route would:
                // from a only or from b only, so both routes' rooms keep asking for agent 1.
                let routes = [["a", "b"], ["a"], ["b"]][task % 3]
                let claim = try await store.run(Claim(token: token, leaseMilliseconds: 60_000, routes: routes))
                guard claim.code == .claimed, let room = claim.room, let route = claim.route else {
                    ledger.fail("claim: \(claim)")
                    continue
                }
                let reserve = try await store.run(Reserve(room: room, token: token, limit: 50, candidates: candidates(of: route)))
                let load = Int(try await store.redis.execute(["HGET", store.keys.load, "1"]).int ?? 0)
                if load > limit { ledger.fail("agent 1 at \(load) after a reserve") }
                switch reserve.code {
                case .reserved:
                    guard let agent = reserve.agent, let count = reserve.load else { ledger.fail("\(reserve)"); continue }
                    if agent == 1 && count > limit { ledger.fail("reserve gave agent 1 load \(count)") }
                    if agent == 1 { ledger.count("reserved 1"); ledger.count("reserved 1 for \(route)") }
                    let commit = try await store.run(Commit(room: room, token: token, agent: agent))
                    if commit.code != .committed { ledger.fail("commit: \(commit)") }
                    mine.append(room)
                case .noCapacity:
                    let rollback = try await store.run(Rollback(room: room, token: token, agent: nil, to: .requeue, route: route))
                    if rollback.code != .requeued { ledger.fail("rollback: \(rollback)") }
                    ledger.count("no capacity")
                case .alreadyReserved, .alreadyAssigned:
                    ledger.fail("reserve: \(reserve)")
                }
                if !mine.isEmpty, Bool.random() {
                    let release = try await store.run(Release(room: mine.removeFirst()))
                    if release.code != .released { ledger.fail("release: \(release)") }
                    ledger.count("released")
                }
            } catch {
                ledger.fail("task \(task): \(error)")
            }
        }
    }
}
