import Allocation
import Foundation
import Redis
import Testing

/// `lua/revive.lua` (`allocator requeue-dead`): every return code and argument check.
@Suite struct ReviveScriptTests {
    /// Enqueues, claims and gives up `room` to the dead set.
    func dead(_ f: StoreFixture, _ room: String) throws {
        let token = try f.claimed(room)
        #expect(try f.store.rollback(room: room, token: token, agent: nil, to: .dead(reason: "HTTP 500"), on: f.redis).code == .dead)
    }

    @Test func revivesEveryDeadRoomAheadOfRoomsThatCameLater() throws {
        let f = try StoreFixture()
        try dead(f, "1")
        try dead(f, "2")
        try f.enqueue("3")
        let result = try f.store.revive(on: f.redis)
        #expect(result.code == .revived && result.rooms == ["1", "2"])
        let snapshot = try f.snapshot()
        #expect(snapshot.queue == ["1", "2", "3"] && snapshot.dead.isEmpty && snapshot.reasons.isEmpty)
        #expect(snapshot.states["1"] == "q" && snapshot.states["2"] == "q")
        #expect(try f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "q")
        #expect(try f.claim().room == "1")
    }

    @Test func revivesOneRoomOrABatch() throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { try dead(f, room) }
        #expect(try f.store.revive(room: "2", on: f.redis).rooms == ["2"])
        #expect(try f.store.revive(batch: 1, on: f.redis).rooms == ["1"])
        #expect(try f.snapshot().dead == ["3"])
    }

    @Test func noneWhenNothingIsDead() throws {
        let f = try StoreFixture()
        #expect(try f.store.revive(on: f.redis).code == .none)
        try f.enqueue("1")
        let before = try f.snapshot()
        #expect(try f.store.revive(room: "1", on: f.redis).code == .none, "a queued room is not dead")
        #expect(try f.snapshot() == before)
    }

    @Test(arguments: [(["x", "10", "8"], "room"), (["", "0", "8"], "batch"), (["", "1001", "8"], "batch"),
                      (["", "10", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        try dead(f, "1")
        try f.expectRefusal(AllocationScripts.revive, arguments, mentioning: text)
    }
}
