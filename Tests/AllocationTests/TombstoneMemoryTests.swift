import Allocation
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Redis
import Testing
import TestSupport

/// Redis holds the rooms in play and the tombstones younger than the tombstone age, not every room ever seen.
@Suite struct TombstoneMemoryTests {
    /// Where the rounds run: a single redis-server, or a Redis Cluster (three masters) reached through a node that
    /// does not hold the app's slot.
    enum Backend: String, CaseIterable, Sendable {
        case server, cluster
    }

    /// The issue: after 10,000 rooms allocated and resolved, ~131 bytes per room stayed for good. Two rounds of
    /// 10,000 rooms through the scripts; once the tombstone age has passed and the expiry ran, the second round
    /// leaves no more keys, fields or members than the first.
    @Test(arguments: Backend.allCases)
    func twoRoundsOfTenThousandRoomsLeaveNothingPerRoomOnceTheTombstonesExpire(on backend: Backend) async throws {
        // Servers of their own, at the lowest CPU priority: their 100,000 script calls must not hold up the calls
        // of the suites that run meanwhile (on the shared servers), whose checks allow a few seconds at most.
        let f: StoreFixture
        let stop: @Sendable () -> Void
        switch backend {
        case .server:
            let server = try await onThread { try RedisServerProcess.start() }
            stop = { server.stop() }
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(server.pid), 19)
            // Starved of CPU while other suites run, one call may take longer than the default 5 s timeout.
            f = try StoreFixture(server: server, commandTimeout: 60)
        case .cluster:
            // A long node timeout: nodes starved of CPU (at the lowest priority) must not take each other for failed.
            let cluster = try await onThread { try RedisCluster.start(replicasPerMaster: 0, nodeTimeout: 60_000) }
            stop = { cluster.stop() }
            for server in cluster.servers { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(server.pid), 19) }
            f = try await onThread { try StoreFixture(cluster: cluster, commandTimeout: 60) }
            // A keyed call first: the rounds' key-less SCRIPT LOAD (before their pipelines of EVALSHA, which have no
            // NOSCRIPT fallback) goes to the master of the client's last keyed call, the app's from then on.
            try await f.redis.execute(["EXISTS", f.keys.state])
            #expect(f.redis.isCluster == true)
        }
        defer { inBackground(stop) }
        let age = 1_000

        try await f.playRound(100_000..<110_000)
        var sizes = try await f.footprint()
        #expect(sizes["session"] == 10_000 && sizes["tombstones"] == 10_000, "a tombstone per resolved room: \(sizes)")
        #expect(try await f.enqueue("100001", session: "0") == .stale, "a late webhook within the age is stale")
        try await Task.sleep(for: .milliseconds(age + 100))
        #expect(try await f.expireAll(ageMilliseconds: age) == 10_000)
        let first = try await f.footprint()
        let firstBytes = try await f.memoryUsage()

        try await f.playRound(200_000..<210_000)
        sizes = try await f.footprint()
        #expect(sizes["session"] == 10_000 && sizes["tombstones"] == 10_000, "\(sizes)")
        try await Task.sleep(for: .milliseconds(age + 100))
        #expect(try await f.expireAll(ageMilliseconds: age) == 10_000)
        let second = try await f.footprint()
        let secondBytes = try await f.memoryUsage()

        // Nothing per room: no key that holds rooms is left, and what is left is the same after either round.
        for name in StoreFixture.perRoomKeys {
            #expect(second[name.rawValue] == nil, "\(name.rawValue) holds \(second[name.rawValue] ?? 0) entries")
        }
        #expect(Set(second.keys) == Set(first.keys), "the same keys: \(first) then \(second)")
        for (key, count) in second where key != "stats" {
            #expect(count <= first[key] ?? 0, "\(key): \(first[key] ?? 0) then \(count)")
        }
        // The minute ring may have begun a new minute between the rounds: it is bounded, not per room.
        #expect(second["stats"] ?? 0 <= 60 * 14)
        #expect(second["recent"] == 50)
        for (key, bytes) in secondBytes where key != "stats" {
            #expect(bytes <= (firstBytes[key] ?? 0) + 64, "\(key): \(firstBytes[key] ?? 0) then \(bytes) bytes")
        }
        let total = secondBytes.values.reduce(0, +)
        #expect(total < 30_000, "what stays is bounded, not per room: \(secondBytes)")

        // Documented: a webhook of an old session after the age is a new room; it is queued and served again.
        #expect(try await f.enqueue("100001", session: "0") == .queued)
        #expect(try await f.store.run(Release(room: "100001", sessionFloor: "1")).code == .dequeued)
        #expect(try await f.enqueue("100001", session: "0") == .stale, "and its tombstone works again")
    }

    /// What Redis keeps per room in each phase of its life (the audit of docs/redis.md).
    @Test func whatIsKeptPerRoomInEachPhase() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        try await f.enqueue("1", route: "sales")
        #expect(try await f.entries(of: "1") == [.queue, .state, .session, .since, .route], "queued")
        let token = UUID().uuidString
        #expect(try await f.claim(token: token, routes: ["sales"]).room == "1")
        #expect(try await f.entries(of: "1") == [.state, .session, .since, .route, .lease, .owner], "in flight")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        #expect(try await f.entries(of: "1") == [.state, .session, .since, .route, .lease, .owner, .agent], "reserved")
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 5, route: "sales")).code == .committed)
        #expect(try await f.entries(of: "1") == [.state, .session, .route, .agent, .assigned], "assigned")
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "9")).code == .released)
        #expect(try await f.entries(of: "1") == [.session, .tombstones], "resolved, within the tombstone age")
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await f.expireAll(ageMilliseconds: 1) == 1)
        #expect(try await f.entries(of: "1").isEmpty, "resolved, after the tombstone age")

        let dying = try await f.claimed("2", route: "sales")
        try await f.store.run(Rollback(room: "2", token: dying, agent: nil, to: .dead(reason: "x"), route: "sales"))
        #expect(try await f.entries(of: "2") == [.state, .session, .since, .route, .dead, .reason], "dead")
        #expect(try await f.store.run(Release(room: "2")).code == .deadRemoved)
        #expect(try await f.entries(of: "2") == [.session, .tombstones], "a dead room resolved")
    }

    /// The housekeeper's loop runs the expiry on its own period.
    @Test func theHousekeeperForgetsOldTombstones() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.store.run(Release(room: "1", sessionFloor: "9"))
        try await f.redis.execute(["HSET", f.keys.session, "2", "3"]) // a tombstone without a time
        let housekeeper = Housekeeper(store: f.store, gateway: ControlledGateway(agentCount: 1),
                                      reconcileInterval: .seconds(3_600), settleMilliseconds: 0,
                                      recoverInterval: .milliseconds(50), tombstoneMilliseconds: 300,
                                      expireInterval: .milliseconds(100), logger: Logger(label: "test"))
        let running = Task { try await housekeeper.run() }
        defer { running.cancel() }
        // room 1 at once; room 2 is adopted on the first tick and forgotten a full age later
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while try await !f.snapshot().sessions.isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await f.snapshot().sessions.isEmpty)
        #expect(try await f.tombstoneRooms().isEmpty)
    }
}
