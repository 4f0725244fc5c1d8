import Allocation
import Redis
import Testing
import TestSupport

/// A Redis out of memory (`maxmemory` with `noeviction`) never applies half a script. A script whose first line
/// is `#!lua` is refused whole before it starts (a `RedisError` naming `OOM`, every key byte for byte as
/// before); one with `#!lua flags=allow-oom` finishes or undoes work already under way and runs as usual.
/// Each case has a redis-server of its own, so no case sees another's filler.
@Suite struct OutOfMemoryScriptTests {
    /// The scripts a full Redis refuses: they take in new work. Every other script runs.
    static let refusedWhenFull: Set<String> = [
        Enqueue.name, Claim.name, Reserve.name, Revive.name, Nudge.name, Override.name, Remember.name, Announce.name,
        Notice.name,
    ]

    @Test(arguments: ScriptLibrary.all.map { $0.name })
    func aFullRedis(script name: String) async throws {
        let shebang = try #require(ScriptLibrary.script(name).source.split(separator: "\n").first.map(String.init))
        #expect(shebang == (Self.refusedWhenFull.contains(name) ? "#!lua" : "#!lua flags=allow-oom"), "\(name).lua")

        let server = try await onThread {
            try RedisServerProcess.start(arguments: ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"])
        }
        defer { inBackground { server.stop() } }
        let f = try StoreFixture(server: server)
        try await f.store.checkReadiness()  // loads every script, as the readiness probe does
        let full = FullRedis(fixture: f)

        switch name {
        case Enqueue.name:
            // A dead room whose customer writes again: the script's first write (ZREM dead) is one that frees.
            try await f.dead("1")
            try await full.expectRefused(Enqueue.Code.queued) { try await f.enqueue("1") }
        case Claim.name:
            try await f.enqueue("1")
            try await full.expectRefused(Claim.Code.claimed) { try await f.claim().code }
        case Reserve.name:
            let token = try await f.claimed("1")
            try await full.expectRefused(Reserve.Code.reserved) { try await f.reserve("1", token: token, [(7, 0)]).code }
        case Revive.name:
            try await f.dead("1")
            try await full.expectRefused(["1"]) { try await f.store.run(Revive()).rooms }
        case Nudge.name:
            try await f.enqueue("1")
            try await full.expectRefused(Nudge.Code.nudged) { try await f.store.run(Nudge()).code }
        case Override.name:
            try await full.expectRefused(Override.Code.stored) { try await f.store.run(Override(agent: 7, limit: .set(3))).code }
        case Remember.name:
            try await full.expectRefused(Remember.Code.remembered) {
                try await f.store.run(Remember(cards: [(7, #"{"name":"Budi"}"#)])).code
            }
        case Announce.name:
            try await full.expectRefused(Announce.Code.agreed) {
                try await f.store.run(Announce(instance: "a", fingerprint: "f", ttlMilliseconds: 60_000)).code
            }
        case Notice.name:
            // Queue messages are a courtesy: a full Redis picks nobody, and the next scan tries again.
            try await f.enqueue("1")
            try await full.expectRefused([Notice.Pick(room: "1", position: 1)]) {
                try await f.store.run(Notice(minAgeMilliseconds: 0)).picks
            }
        case Reroute.name:
            // Rooms of a route that left the routes file move to default: memory only shrinks.
            try await f.store.run(Enqueue(room: "1", session: "0", route: "gone"))
            let moved = try await full.expectRuns { try await f.store.run(Reroute(route: "gone")) }
            #expect(moved.code == .moved && moved.moved == 1)
            #expect(try await f.redis.execute(["ZSCORE", f.keys.queue, "1"]).string != nil, "now in the default queue")

        case Commit.name:
            let token = try await f.reserved("1", agent: 7)
            let committed = try await full.expectRuns { try await f.store.run(Commit(room: "1", token: token, agent: 7)) }
            #expect(committed.code == .committed)
            #expect(try await f.state("1") == "a")
        case Rollback.name:
            // The growing way out: to the dead set with the longest reason the type sends (500 bytes).
            let token = try await f.reserved("1", agent: 7)
            let reason = String(repeating: "r", count: 500)
            let rolledBack = try await full.expectRuns {
                try await f.store.run(Rollback(room: "1", token: token, agent: 7, to: .dead(reason: reason)))
            }
            #expect(rolledBack.code == .dead)
            #expect(try await f.snapshot().reasons["1"] == reason)
            #expect(try await f.load(7) == 0)
        case Release.name:
            try await f.assigned("1", to: 7)
            let released = try await full.expectRuns { try await f.store.run(Release(room: "1", sessionFloor: "9")) }
            #expect(released.code == .released && released.agent == 7)
            #expect(try await f.state("1") == nil)
            #expect(try await f.load(7) == 0)
            #expect(try await f.redis.execute(["HGET", f.keys.freed, "7"]).string != nil, "the release time is kept")
        case Recover.name:
            try await f.reserved("1", agent: 7, lease: 1)
            try await Task.sleep(for: .milliseconds(20))  // the 1 ms lease is over on the Redis clock
            let recovered = try await full.expectRuns { try await f.store.run(Recover()) }
            #expect(recovered.code == .recovered && recovered.rooms == ["1"])
            #expect(try await f.state("1") == "q")
            #expect(try await f.snapshot().agents["1"] == 7, "queued again, keeping its agent")
        case Extend.name:
            let token = try await f.claimed("1")
            let extended = try await full.expectRuns {
                try await f.store.run(Extend(room: "1", token: token, leaseMilliseconds: 60_000))
            }
            #expect(extended.code == .extended && extended.deadline != nil)
        case Reconcile.name:
            try await f.assigned("1", to: 7)
            let reconciled = try await full.expectRuns {
                try await f.store.run(Reconcile(counts: [7: 0], settleMilliseconds: 0))
            }
            #expect(reconciled.code == .healed && reconciled.forgotten.map { "\($0.agent) \($0.room)" } == ["7 1"])
            #expect(try await f.load(7) == 0)
        case Expire.name:
            // Forgetting old tombstones only frees memory.
            try await f.assigned("1", to: 7)
            try await f.store.run(Release(room: "1", sessionFloor: "9"))
            try await Task.sleep(for: .milliseconds(5))
            let expired = try await full.expectRuns { try await f.store.run(Expire(ageMilliseconds: 1)) }
            #expect(expired.code == .expired && expired.forgotten == 1)
            #expect(try await f.snapshot().sessions.isEmpty)

        default:
            Issue.record("\(name).lua has no out-of-memory case here")
        }
    }

    /// Redis 7.0 is the oldest the scripts run on (their `#!lua` flags), read from `INFO server`.
    /// The status page and the gauges are wanted most when Redis is full: the summary is read then too.
    @Test func theSummaryIsReadWhileRedisIsFull() async throws {
        let server = try await onThread {
            try RedisServerProcess.start(arguments: ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"])
        }
        defer { inBackground { server.stop() } }
        let f = try StoreFixture(server: server)
        try await f.enqueue("1")
        let summary = try await FullRedis(fixture: f).expectRuns { try await f.store.summary() }
        #expect(summary.queued == 1)
    }

    /// Readiness means "this instance can store webhooks": a Redis that refuses writes fails the check.
    @Test func readinessFailsWhileRedisRefusesWrites() async throws {
        let server = try await onThread {
            try RedisServerProcess.start(arguments: ["--maxmemory", "4mb", "--maxmemory-policy", "noeviction"])
        }
        defer { inBackground { server.stop() } }
        let f = try StoreFixture(server: server)
        try await f.store.checkReadiness()
        try await FullRedis(fixture: f).expectRefused(true) {
            try await f.store.checkReadiness()
            return true
        }
    }

    @Test func theRedisVersionIsReadAndCompared() async throws {
        let info = "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_mode:standalone\r\n"
        #expect(AllocationStore.redisVersion(inServerInfo: info) == "7.0.15")
        #expect(AllocationStore.redisVersion(inServerInfo: "# Server\r\nredis_mode:standalone\r\n") == nil)
        #expect(AllocationStore.redisVersion(inServerInfo: "redis_version:\r\n") == nil)
        for supported in ["7.0.0", "7.0.15", "7.2.4", "7.10.1", "8.0.2", "10.0.0", "255.255.255"] {
            #expect(AllocationStore.isSupported(redisVersion: supported), "\(supported)")
        }
        for unsupported in ["6.2.14", "6.9.241", "5.0.7", "2.8.24", "7", "", "seven.0", "7.x.1"] {
            #expect(!AllocationStore.isSupported(redisVersion: unsupported), "\(unsupported)")
        }
        let refusal = AllocationError.unsupportedRedis(found: "6.2.14", required: AllocationStore.minimumRedisVersion)
        #expect(refusal.description.contains("6.2.14") && refusal.description.contains("7.0 or newer"))

        // The real server of the tests passes (once; the answer is kept).
        let f = try StoreFixture()
        try await f.store.checkReadiness()
        try await f.store.checkReadiness()
    }
}

/// One app's keys on a server with `maxmemory`, filled until it refuses writes. While it is full the keys are
/// read one command at a time: a full Redis refuses every command queued in `MULTI` (so `snapshot()` waits
/// until the filler is gone).
private struct FullRedis {
    let fixture: StoreFixture

    var redis: RedisClient { fixture.redis }

    /// Fills the server until it refuses writes, expects `body` to be refused with `OOM` without changing any
    /// key of the app, then empties the filler and expects `body` to give `expected` (so it was a call that
    /// writes).
    func expectRefused<T: Equatable>(_ expected: T, sourceLocation: SourceLocation = #_sourceLocation,
                                     _ body: () async throws -> T) async throws {
        let snapshot = try await fixture.snapshot()
        var filler = try await fill()
        let before = try await keyspace()
        // Under load Redis may have trimmed buffers since the fill and dropped under the limit: fill again.
        if try await !isRefusingWrites() { filler += try await fill(from: filler.count) }
        do {
            let answer = try await body()
            Issue.record("a full Redis ran it: \(answer)", sourceLocation: sourceLocation)
        } catch RedisError.server(let message) {
            #expect(message.contains("OOM"), "\(message)", sourceLocation: sourceLocation)
        }
        #expect(try await keyspace() == before, "every key byte for byte as before", sourceLocation: sourceLocation)

        try await redis.execute(["DEL"] + filler)
        #expect(try await fixture.snapshot() == snapshot, "nothing written", sourceLocation: sourceLocation)
        #expect(try await body() == expected, "with room again it runs", sourceLocation: sourceLocation)
    }

    /// Fills the server until it refuses writes, runs `body`, expects Redis to be still full after it and
    /// empties the filler (so the caller can read the keys as it likes).
    func expectRuns<T>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async throws -> T {
        let filler = try await fill()
        let answer = try await body()
        #expect(try await isRefusingWrites(), "still full after the script", sourceLocation: sourceLocation)
        try await redis.execute(["DEL"] + filler)
        return answer
    }

    /// Every key of the app as `DUMP` has it (null for a key that does not exist), by name.
    func keyspace() async throws -> [String: RedisReply] {
        var dumps: [String: RedisReply] = [:]
        for name in Keyspace.Name.allCases { dumps[name.rawValue] = try await redis.execute(["DUMP", fixture.keys[name]]) }
        return dumps
    }

    /// Sets `filler:<n>` strings of 16 KiB until Redis refuses one with `OOM`, then one more string of 1 MiB
    /// with an `allow-oom` script, so Redis stays over the limit whatever buffers it trims meanwhile (a refused
    /// write leaves it only bytes over). Returns the filler's keys.
    /// - Parameter start: the first filler key's number (after an earlier fill's keys).
    private func fill(from start: Int = 0) async throws -> [String] {
        let value = String(repeating: "x", count: 16 << 10)
        var keys: [String] = []
        filling: while true {
            let key = "filler:\(start + keys.count)"
            do {
                try await redis.execute(["SET", key, value])
            } catch RedisError.server(let message) where message.hasPrefix("OOM") {
                break filling
            }
            keys.append(key)
            guard keys.count < 2_000 else { throw TestSupportError("32 MB stored and no OOM: is maxmemory set?") }
        }
        let over = "filler:over\(start)"
        try await redis.execute(["EVAL", "#!lua flags=allow-oom\nredis.call('SET', KEYS[1], string.rep('x', 1048576))",
                                 "1", over])
        keys.append(over)
        try #require(try await isRefusingWrites(), "full")
        return keys
    }

    /// Whether a plain write is refused with `OOM`.
    private func isRefusingWrites() async throws -> Bool {
        do {
            try await redis.execute(["SET", "filler:probe", "x"])
            try await redis.execute(["DEL", "filler:probe"])
            return false
        } catch RedisError.server(let message) where message.hasPrefix("OOM") {
            return true
        }
    }
}

extension StoreFixture {
    /// Enqueues, claims and reserves `agent` for `room` (the only queued room); returns the lease token.
    @discardableResult
    fileprivate func reserved(_ room: String, agent: Int, lease: Int = 30_000) async throws -> String {
        let token = try await claimed(room, lease: lease)
        let reservation = try await reserve(room, token: token, [(agent, 0)])
        try #require(reservation.code == .reserved && reservation.agent == agent, "reserve of \(room): \(reservation)")
        return token
    }

    /// Enqueues and claims `room` (the only queued room) and gives it up: it is dead.
    fileprivate func dead(_ room: String) async throws {
        let token = try await claimed(room)
        try #require(try await store.run(Rollback(room: room, token: token, agent: nil, to: .dead(reason: "test"))).code == .dead)
    }
}
