import Allocation
import Foundation
import Redis
import Testing

/// `lua/expire.lua`: every return code, argument check and branch; the tombstone times the other scripts record.
@Suite struct ExpireScriptTests {
    @Test func refusesBadArgumentsWithoutWriting() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.store.run(Release(room: "1", sessionFloor: "9"))
        try await f.redis.execute(["HSET", f.keys.session, "2", "4"]) // a tombstone without a time
        let cases: [([String], String)] = [
            (["0", "10", "0", "10"], "age"),
            (["31536000001", "10", "0", "10"], "age"),
            (["1.5", "10", "0", "10"], "age"),
            (["x", "10", "0", "10"], "age"),
            (["1", "0", "0", "10"], "batch"),
            (["1", "1001", "0", "10"], "batch"),
            (["1", "10", "", "10"], "cursor"),
            (["1", "10", "12a", "10"], "cursor"),
            (["1", "10", String(repeating: "1", count: 21), "10"], "cursor"),
            (["1", "10", "0", "-1"], "adoption count"),
            (["1", "10", "0", "1001"], "adoption count"),
            (["1", "10", "0"], "adoption count"),
        ]
        try await Task.sleep(for: .milliseconds(5))
        for (arguments, text) in cases {
            try await f.expectRefusal(Expire.self, arguments, mentioning: text)
        }
    }

    @Test func nothingDueChangesNothing() async throws {
        let f = try StoreFixture()
        #expect(try await f.store.run(Expire(ageMilliseconds: 1)) == Expire.Outcome(code: .noneDue, forgotten: 0, due: 0,
                                                                                     cursor: "0", adopted: 0))
        try await f.assigned("1", to: 5)
        try await f.store.run(Release(room: "1", sessionFloor: "9"))
        let before = try await f.dump()
        let answer = try await f.store.run(Expire(ageMilliseconds: 60_000))
        #expect(answer.code == .noneDue && answer.forgotten == 0 && answer.due == 0)
        #expect(try await f.dump() == before, "a tombstone younger than the age stays")
    }

    @Test func anOldTombstoneAndTheRoomsLeftoversAreForgottenAndItsOldSessionIsANewRoom() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        try await f.assigned("1", to: 5, route: "sales")
        // a queue message's entry, left when queue messages were turned off before notice.lua swept it
        try await f.redis.execute(["HSET", f.keys.notice, "1", "0:3:1"])
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "9")).code == .released)
        #expect(try await f.entries(of: "1") == [.session, .tombstones, .notice])
        try await Task.sleep(for: .milliseconds(5))
        let answer = try await f.store.run(Expire(ageMilliseconds: 1))
        #expect(answer == Expire.Outcome(code: .expired, forgotten: 1, due: 0, cursor: "0", adopted: 0))
        #expect(try await f.entries(of: "1").isEmpty, "nothing is kept for the room")
        #expect(try await f.footprint().keys.contains(where: { ["session", "tombstones", "notice"].contains($0) }) == false)
        // Documented: after the age, a webhook of the resolved session is taken as a new room.
        #expect(try await f.enqueue("1", session: "0") == .queued)
        #expect(try await f.tombstoneTime("1") == nil)
    }

    @Test func onlyTombstonesOlderThanTheAgeAreDue() async throws {
        let f = try StoreFixture()
        for room in ["1", "2"] {
            try await f.assigned(room, to: 5)
            try await f.store.run(Release(room: room, sessionFloor: "9"))
        }
        // room 1 was resolved 10 minutes ago, room 2 just now
        try await f.redis.execute(["ZADD", f.keys.tombstones, String(try await f.redisMilliseconds() - 600_000), "1"])
        let answer = try await f.store.run(Expire(ageMilliseconds: 300_000))
        #expect(answer.code == .expired && answer.forgotten == 1 && answer.due == 0)
        #expect(try await f.snapshot().sessions == ["2": "9"])
        #expect(try await f.tombstoneRooms() == ["2"])
    }

    @Test func aRoomInPlayKeepsEverythingAndLosesOnlyItsEntry() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        try await f.assigned("1", to: 5)
        try await f.store.run(Release(room: "1", sessionFloor: "9"))
        #expect(try await f.tombstoneTime("1") != nil)
        // The customer comes back: enqueue takes the room out of the tombstones.
        #expect(try await f.enqueue("1", session: "9", route: "sales") == .queued)
        #expect(try await f.tombstoneTime("1") == nil)
        try await f.enqueue("2")
        #expect(try await f.claim(routes: ["sales"]).room == "1", "room 1 in flight, room 2 queued")
        // An instance that does not know tombstones left entries for rooms in play: expiry keeps the rooms.
        try await f.redis.execute(["ZADD", f.keys.tombstones, "1", "1", "1", "2"])
        let before = try await f.snapshot()
        let entries = try await f.entries(of: "1")
        let answer = try await f.store.run(Expire(ageMilliseconds: 1))
        #expect(answer == Expire.Outcome(code: .expired, forgotten: 0, due: 0, cursor: "0", adopted: 0))
        #expect(try await f.snapshot() == before, "the rooms in play keep their state and session")
        #expect(try await f.entries(of: "1") == entries.subtracting([.tombstones]))
        #expect(try await f.tombstoneRooms().isEmpty)
        #expect(try await f.route(of: "1") == "sales")
    }

    @Test func dueTombstonesGoInBatchesAndTheAnswerSaysHowManyAreLeft() async throws {
        let f = try StoreFixture()
        for room in 1...5 {
            try await f.assigned(String(room), to: 5)
            try await f.store.run(Release(room: String(room), sessionFloor: "9"))
        }
        try await Task.sleep(for: .milliseconds(5))
        var answers: [Expire.Outcome] = []
        for _ in 0..<4 { answers.append(try await f.store.run(Expire(ageMilliseconds: 1, batch: 2))) }
        #expect(answers.map(\.code) == [.expired, .expired, .expired, .noneDue])
        #expect(answers.map(\.forgotten) == [2, 2, 1, 0])
        #expect(answers.map(\.due) == [3, 1, 0, 0])
        #expect(try await f.snapshot().sessions.isEmpty)
    }

    @Test func tombstonesWithoutATimeAreAdoptedAndForgottenAFullAgeLater() async throws {
        let f = try StoreFixture()
        // a tombstone of a version before this one (no time), and a room in play, which is not adopted
        try await f.redis.execute(["HSET", f.keys.session, "1", "7"])
        try await f.enqueue("2")
        let start = try await f.redisMilliseconds()
        let first = try await f.store.run(Expire(ageMilliseconds: 60_000, adoptCount: 100))
        let end = try await f.redisMilliseconds()
        #expect(first == Expire.Outcome(code: .noneDue, forgotten: 0, due: 0, cursor: "0", adopted: 1))
        let adopted = try #require(try await f.tombstoneTime("1"))
        #expect(adopted >= start && adopted <= end, "dated now")
        #expect(try await f.tombstoneRooms() == ["1"])
        #expect(try await f.store.run(Expire(ageMilliseconds: 60_000, adoptCount: 100)).adopted == 0, "once")
        #expect(try await f.snapshot().sessions["1"] == "7", "not forgotten before the age")
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await f.store.run(Expire(ageMilliseconds: 1)).forgotten == 1)
        #expect(try await f.snapshot().sessions == ["2": "0"])
    }

    @Test func theAdoptionScanGoesOnFromItsCursorAndRoundALargeHash() async throws {
        let f = try StoreFixture()
        // more fields than a small (listpack) hash holds (512 by default), so HSCAN takes them a part at a time
        try await f.redis.execute(["HSET", f.keys.session] + (1...600).flatMap { [String($0), "5"] })
        var cursor = "0"
        var calls = 0
        var adopted = 0
        repeat {
            let answer = try await f.store.run(Expire(ageMilliseconds: 60_000, cursor: cursor, adoptCount: 20))
            #expect(answer.code == .noneDue)
            adopted += answer.adopted
            cursor = answer.cursor
            calls += 1
        } while cursor != "0" && calls < 1_000
        #expect(calls > 1, "bounded: one call scanned only a part")
        #expect(adopted == 600)
        #expect(try await f.tombstoneRooms().count == 600)
    }

    /// The scripts that leave a room with only its tombstone record the time; the scripts that bring it back
    /// take the record away.
    @Test func releaseRecordsTheTimeFromEveryState() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.claimed("3")
        let dying = try await f.claimed("4")
        try await f.store.run(Rollback(room: "4", token: dying, agent: nil, to: .dead(reason: "x")))
        try await f.enqueue("2")
        for room in ["1", "2", "3", "4"] {
            let start = try await f.redisMilliseconds()
            #expect(try await f.store.run(Release(room: room)).code != .unknown, "\(room)")
            let end = try await f.redisMilliseconds()
            let time = try #require(try await f.tombstoneTime(room), "\(room)")
            #expect(time >= start && time <= end, "dated at the release")
            #expect(try await f.entries(of: room) == [.session, .tombstones], "\(room): only its tombstone is left")
        }
    }

    @Test func releaseOfAnUnknownRoomRecordsATimeOnlyWhenItRecordsASession() async throws {
        let f = try StoreFixture()
        // a resolve of a room never seen (assigned by hand in Qiscus) leaves a tombstone, and so a time
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "9")).code == .unknown)
        #expect(try await f.entries(of: "1") == [.session, .tombstones])
        // no floor, or one not newer: nothing changes, the time stays
        try await f.redis.execute(["ZADD", f.keys.tombstones, "1000", "1"])
        let before = try await f.dump()
        #expect(try await f.store.run(Release(room: "1")).code == .unknown)
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "9")).code == .unknown)
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "3")).code == .unknown)
        #expect(try await f.store.run(Release(room: "2")).code == .unknown)
        #expect(try await f.dump() == before)
        // a newer resolve of the tombstoned room raises it and dates it now
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "10")).code == .unknown)
        #expect(try await f.tombstoneTime("1") ?? 0 > 1000)
        #expect(try await f.snapshot().sessions["1"] == "10")
    }

    @Test func aStaleReleaseLeavesNoTime() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1", session: "88")
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "5")).code == .staleSession)
        #expect(try await f.tombstoneTime("1") == nil)
    }

    @Test func enqueueTakesTheRecordAwayOnEveryWayIntoTheQueue() async throws {
        let f = try StoreFixture()
        // stale: the tombstone stays with its time
        try await f.assigned("1", to: 5)
        try await f.store.run(Release(room: "1", sessionFloor: "9"))
        #expect(try await f.enqueue("1", session: "0") == .stale)
        #expect(try await f.tombstoneTime("1") != nil)
        // queued again (the customer's next session)
        #expect(try await f.enqueue("1", session: "9") == .queued)
        #expect(try await f.tombstoneTime("1") == nil)
        // an assigned room's new session (its resolve was missed), with an entry a damaged store kept
        try await f.store.run(Release(room: "1"))
        try await f.assigned("2", to: 5)
        try await f.redis.execute(["ZADD", f.keys.tombstones, "1", "2"])
        #expect(try await f.enqueue("2", session: "4") == .queuedNewSession)
        #expect(try await f.tombstoneTime("2") == nil)
    }

    @Test func reconcileRecordsTheTimeOfTheRoomsItForgets() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        let start = try await f.redisMilliseconds()
        let healed = try await f.store.run(Reconcile(counts: [5: 0], settleMilliseconds: 0))
        let end = try await f.redisMilliseconds()
        #expect(healed.forgotten.map(\.room) == ["1"])
        let time = try #require(try await f.tombstoneTime("1"))
        #expect(time >= start && time <= end, "dated at the healing")
        #expect(try await f.entries(of: "1") == [.session, .tombstones])
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await f.store.run(Expire(ageMilliseconds: 1)).forgotten == 1)
        #expect(try await f.entries(of: "1").isEmpty)
    }
}
