import Allocation
import Foundation
import Redis
import Testing

/// `lua/notice.lua`: every return code, the due rules, the shared budget, the sweep and every argument check.
@Suite struct NoticeScriptTests {
    /// A walk with the test's defaults: no minimum age, no spacing, step 1, 20 a second, no sweep.
    func notice(_ f: StoreFixture, route: String = Keyspace.defaultRoute, start: Int = 0, page: Int = 200,
                minAge: Int = 0, step: Int = 1, spacing: Int = 0, perSecond: Int = 20, cursor: String = "0",
                sweep: Int = 0, limit: Int = 200) async throws -> Notice.Outcome {
        try await f.store.run(Notice(route: route, start: start, page: page, minAgeMilliseconds: minAge, step: step,
                                     spacingMilliseconds: spacing, maxPerSecond: perSecond, sweepCursor: cursor,
                                     sweepCount: sweep, limit: limit))
    }

    func picks(_ pairs: [(String, Int)]) -> [Notice.Pick] { pairs.map { Notice.Pick(room: $0.0, position: $0.1) } }

    /// The per-room entries, room -> (session, position).
    func entries(_ f: StoreFixture) async throws -> [String: String] {
        try await f.hash(f.keys.notice).mapValues { $0.split(separator: ":").prefix(2).joined(separator: ":") }
    }

    /// Makes every entry's last message `ago` ms old.
    func age(_ f: StoreFixture, by ago: Int) async throws {
        let now = try await f.redisMicroseconds() / 1000
        for (room, entry) in try await f.hash(f.keys.notice) {
            let parts = entry.split(separator: ":")
            try await f.redis.execute(["HSET", f.keys.notice, room, "\(parts[0]):\(parts[1]):\(now - ago)"])
        }
    }

    @Test func everyQueuedRoomGetsOneFirstMessageWithItsPosition() async throws {
        let f = try StoreFixture()
        try await f.claimed("9") // in flight: out of the queue
        for room in ["1", "2", "3", "4"] { try await f.enqueue(room, session: "1\(room)") }
        try await f.redis.execute(["HSET", f.keys.state, "3", "d"]) // damaged by hand: not queued
        let before = try await f.redisMicroseconds() / 1000
        let first = try await notice(f)
        let after = try await f.redisMicroseconds() / 1000
        #expect(first.code == .end && first.nextRank == 0 && first.budgetLeft == 17 && first.sweepCursor == "0")
        #expect(first.picks == picks([("1", 1), ("2", 2), ("4", 4)]))
        #expect(try await entries(f) == ["1": "11:1", "2": "12:2", "4": "14:4"])
        let at = try #require(Int(try await f.hash(f.keys.notice)["1"]?.split(separator: ":").last ?? ""))
        #expect((before...after).contains(at), "the time of the message, Redis clock ms: \(at) in \(before)...\(after)")
        let sends = try await f.hash(f.keys.sends)
        #expect(sends["n"] == "3" && Int(sends["s"] ?? "") != nil)
        let again = try await notice(f)
        #expect(again.code == .end && again.picks.isEmpty, "one message per session, not one per scan")
    }

    @Test func aRoomThatArrivedLessThanTheMinimumAgeAgoStopsTheWalk() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        let before = try await f.dump()
        let young = try await notice(f, minAge: 60_000)
        #expect(young.code == .end && young.picks.isEmpty && young.budgetLeft == 20)
        #expect(try await f.dump() == before, "nothing written")
        // Room 1 arrived 5 s ago, room 2 arrives (by its score) an hour from now: younger than any minimum age,
        // however slowly this test runs.
        let now = try await f.redisMicroseconds()
        try await f.redis.execute(["ZADD", f.keys.queue, "XX", String(now - 5_000_000), "1", String(now + 3_600_000_000), "2"])
        let old = try await notice(f, minAge: 1_000)
        #expect(old.code == .end && old.picks == picks([("1", 1)]), "room 2 arrived under a second ago")
        #expect(try await notice(f, minAge: 1_000).picks.isEmpty)
    }

    @Test func anotherMessageOnlyOnceThePositionImprovedByTheStepAndTheSpacingPassed() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3", "4", "5", "6"] { try await f.enqueue(room) }
        #expect(try await notice(f).picks.count == 6)
        for room in ["1", "2"] { try await f.store.run(Release(room: room)) } // served or gone: everyone moves up 2
        #expect(try await notice(f, step: 2, spacing: 60_000).picks.isEmpty, "within the spacing")
        try await age(f, by: 61_000)
        #expect(try await notice(f, step: 3, spacing: 60_000).picks.isEmpty, "moved up 2 < step 3")
        let due = try await notice(f, step: 2, spacing: 60_000)
        #expect(due.picks == picks([("3", 1), ("4", 2), ("5", 3), ("6", 4)]))
        #expect(try await entries(f) == ["1": "0:1", "2": "0:2", "3": "0:1", "4": "0:2", "5": "0:3", "6": "0:4"])
    }

    @Test func aNewSessionGetsAFirstMessageOnceTheSpacingPassed() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1", session: "10")
        #expect(try await notice(f).picks == picks([("1", 1)]))
        try await f.store.run(Release(room: "1"))
        try await f.enqueue("1", session: "20")
        #expect(try await notice(f, spacing: 60_000).picks.isEmpty, "one message per 30 s per room, whatever the session")
        try await age(f, by: 61_000)
        #expect(try await notice(f, step: 1_000, spacing: 60_000).picks == picks([("1", 1)]))
        #expect(try await entries(f) == ["1": "20:1"])
    }

    @Test func theAppsBudgetOfASecondIsSharedByEveryCall() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { try await f.enqueue(room) }
        let spent = try await notice(f, perSecond: 2)
        #expect(spent.code == .budgetSpent && spent.nextRank == 2 && spent.budgetLeft == 0)
        #expect(spent.picks == picks([("1", 1), ("2", 2)]))
        #expect(try await entries(f).keys.sorted() == ["1", "2"], "room 3 is not recorded")
        // Another instance's call within the same Redis second finds the budget spent.
        var checked = false
        for attempt in 1...20 where !checked {
            try await f.redis.execute(["HDEL", f.keys.notice, "3"]) // picked by an attempt that met a new second
            let second = try await f.redisMicroseconds() / 1_000_000
            try await f.redis.execute(["HSET", f.keys.sends, "s", String(second), "n", "2"])
            let outcome = try await notice(f, start: 2, perSecond: 2)
            guard try await f.redisMicroseconds() / 1_000_000 == second else { continue }
            #expect(outcome.code == .budgetSpent && outcome.nextRank == 2 && outcome.picks.isEmpty, "attempt \(attempt)")
            checked = true
        }
        #expect(checked, "one attempt stayed within one Redis second")
        // A budget of an earlier second is no longer counted.
        try await f.redis.execute(["HSET", f.keys.sends, "s", "1000", "n", "2"])
        let next = try await notice(f, start: 2, perSecond: 2)
        #expect(next.code == .end && next.picks == picks([("3", 3)]) && next.budgetLeft == 1)
        #expect(try await f.hash(f.keys.sends)["n"] == "1")
    }

    @Test func theLimitStopsThePickAndTheNextCallGoesOn() async throws {
        let f = try StoreFixture()
        for room in ["1", "2"] { try await f.enqueue(room) }
        let first = try await notice(f, limit: 1)
        #expect(first.code == .limitReached && first.nextRank == 1 && first.picks == picks([("1", 1)]))
        let second = try await notice(f, start: first.nextRank, limit: 1)
        #expect(second.code == .end && second.picks == picks([("2", 2)]))
    }

    @Test func pagesWalkTheQueueUntilItsEnd() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3", "4", "5"] { try await f.enqueue(room) }
        let first = try await notice(f, page: 2)
        #expect(first.code == .page && first.nextRank == 2 && first.picks == picks([("1", 1), ("2", 2)]))
        let second = try await notice(f, start: 2, page: 2)
        #expect(second.code == .page && second.nextRank == 4 && second.picks == picks([("3", 3), ("4", 4)]))
        let last = try await notice(f, start: 4, page: 2)
        #expect(last.code == .end && last.nextRank == 0 && last.picks == picks([("5", 5)]))
        #expect(try await notice(f, start: 5, page: 2).code == .end, "past the end")
    }

    @Test func itWalksTheQueueOfTheRouteGiven() async throws {
        let f = try StoreFixture(routes: ["sales"])
        try await f.enqueue("1")
        try await f.enqueue("2", route: "sales")
        try await f.enqueue("3", route: "sales")
        #expect(try await notice(f, route: "sales").picks == picks([("2", 1), ("3", 2)]))
        #expect(try await notice(f).picks == picks([("1", 1)]))
    }

    @Test func theSweepRemovesEntriesOfRoomsThatLeftOnceTheSpacingPassed() async throws {
        let f = try StoreFixture()
        try await f.assigned("4", to: 7)
        try await f.claimed("2") // in flight
        try await f.enqueue("1")
        let now = try await f.redisMicroseconds() / 1000
        let old = String(now - 40_000)
        try await f.redis.execute(["HSET", f.keys.notice, "1", "0:1:\(old)", "2", "0:1:\(old)", "3", "0:4:\(old)",
                                   "4", "0:2:\(old)", "5", "garbage", "6", "0:1:\(now)"])
        let swept = try await notice(f, spacing: 30_000, sweep: 100)
        #expect(swept.sweepCursor == "0", "a small hash is swept in one call")
        #expect(try await f.hash(f.keys.notice).keys.sorted() == ["1", "2", "6"],
                "queued and in-flight rooms keep theirs, and a room gone within the spacing")
        let cursor = try await notice(f, spacing: 0, cursor: "0", sweep: 100)
        let left = try await f.hash(f.keys.notice).keys.sorted()
        #expect(cursor.picks.isEmpty && left == ["1", "2"])
    }

    @Test func aLargeHashIsSweptAFewEntriesAtATime() async throws {
        let f = try StoreFixture()
        var fields: [String] = []
        for room in 1...600 { fields += [String(room), "0:1:1"] }
        try await f.redis.execute(["HSET", f.keys.notice] + fields)
        let first = try await notice(f, sweep: 10)
        #expect(first.sweepCursor != "0")
        let left = try await f.redis.execute(["HLEN", f.keys.notice]).int ?? 0
        #expect(left < 600 && left > 500, "about 10 swept: \(left) left")
        var cursor = first.sweepCursor
        for _ in 0..<200 where cursor != "0" { cursor = try await notice(f, cursor: cursor, sweep: 10).sweepCursor }
        let remaining = try await f.redis.execute(["HLEN", f.keys.notice]).int
        #expect(cursor == "0" && remaining == 0)
    }

    /// ARGV: start, page, min age, step, spacing, per second, sweep cursor, sweep count, limit.
    @Test(arguments: [
        (["-1", "200", "0", "1", "0", "20", "0", "10", "10"], "start"),
        (["x", "200", "0", "1", "0", "20", "0", "10", "10"], "start"),
        (["0", "0", "0", "1", "0", "20", "0", "10", "10"], "page"),
        (["0", "201", "0", "1", "0", "20", "0", "10", "10"], "page"),
        (["0", "200", "-1", "1", "0", "20", "0", "10", "10"], "min age"),
        (["0", "200", "86400001", "1", "0", "20", "0", "10", "10"], "min age"),
        (["0", "200", "0", "0", "0", "20", "0", "10", "10"], "step"),
        (["0", "200", "0", "1.5", "0", "20", "0", "10", "10"], "step"),
        (["0", "200", "0", "1", "-5", "20", "0", "10", "10"], "spacing"),
        (["0", "200", "0", "1", "0", "0", "0", "10", "10"], "max per second"),
        (["0", "200", "0", "1", "0", "1001", "0", "10", "10"], "max per second"),
        (["0", "200", "0", "1", "0", "20", "", "10", "10"], "sweep cursor"),
        (["0", "200", "0", "1", "0", "20", "1a", "10", "10"], "sweep cursor"),
        (["0", "200", "0", "1", "0", "20", "0", "1001", "10"], "sweep count"),
        (["0", "200", "0", "1", "0", "20", "0", "10", "0"], "limit"),
        (["0", "200", "0", "1", "0", "20", "0", "10"], "limit"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.redis.execute(["HSET", f.keys.notice, "2", "0:1:1"]) // a sweep would remove it
        try await f.expectRefusal(Notice.self, arguments, mentioning: text)
    }
}
