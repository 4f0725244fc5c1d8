import Allocation
import Foundation
import Redis
import Testing

/// `lua/revive.lua` (`allocator requeue-dead`): every return code and argument check.
@Suite struct ReviveScriptTests {
    /// Enqueues, claims and gives up `room` to the dead set.
    func dead(_ f: StoreFixture, _ room: String) async throws {
        let token = try await f.claimed(room)
        #expect(try await f.store.run(Rollback(room: room, token: token, agent: nil, to: .dead(reason: "HTTP 500"))).code == .dead)
    }

    @Test func revivesEveryDeadRoomAheadOfRoomsThatCameLater() async throws {
        let f = try StoreFixture()
        try await dead(f, "1")
        try await dead(f, "2")
        try await f.enqueue("3")
        let result = try await f.store.run(Revive())
        #expect(result.code == .revived && result.rooms == ["1", "2"])
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1", "2", "3"] && snapshot.dead.isEmpty && snapshot.reasons.isEmpty)
        #expect(snapshot.states["1"] == "q" && snapshot.states["2"] == "q")
        #expect(try await f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "q")
        #expect(try await f.claim().room == "1")
    }

    @Test func revivesOneRoomOrABatch() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { try await dead(f, room) }
        #expect(try await f.store.run(Revive(room: "2")).rooms == ["2"])
        #expect(try await f.store.run(Revive(batch: 1)).rooms == ["1"])
        #expect(try await f.snapshot().dead == ["3"])
    }

    @Test func noneWhenNothingIsDead() async throws {
        let f = try StoreFixture()
        #expect(try await f.store.run(Revive()).code == .none)
        try await f.enqueue("1")
        let before = try await f.snapshot()
        #expect(try await f.store.run(Revive(room: "1")).code == .none, "a queued room is not dead")
        #expect(try await f.snapshot() == before)
    }

    /// A batch of nothing but stale entries (rooms no longer dead, damaged by hand) drops them and says REVIVED
    /// with no room, so a caller looping until NONE reaches the dead rooms behind them.
    @Test func aBatchOfStaleEntriesIsDroppedAndTheCallerGoesOn() async throws {
        let f = try StoreFixture()
        try await dead(f, "9")
        try await f.redis.execute(["ZADD", f.keys.dead, "1", "1", "2", "2"])  // older than room 9, not dead
        let first = try await f.store.run(Revive(batch: 2))
        #expect(first.code == .revived && first.rooms.isEmpty)
        #expect(try await f.snapshot().dead == ["9"], "the stale entries are gone")
        #expect(try await f.store.run(Revive(batch: 2)).rooms == ["9"])
        #expect(try await f.store.run(Revive(batch: 2)).code == .none)
    }

    @Test(arguments: [(["x", "10", "8"], "room"), (["", "0", "8"], "batch"), (["", "1001", "8"], "batch"),
                      (["", "10", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await dead(f, "1")
        try await f.expectRefusal(Revive.self, arguments, mentioning: text)
    }
}
