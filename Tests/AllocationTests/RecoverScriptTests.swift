import Allocation
import Foundation
import Redis
import Testing

/// `lua/recover.lua`: every return code and argument check; lease expiry end to end.
@Suite struct RecoverScriptTests {
    @Test func anExpiredLeaseGoesBackToTheHeadAndTheNextClaimerGetsTheSameAgentCountedOnce() throws {
        let f = try StoreFixture()
        let crashed = try f.claimed("1", lease: 50)
        let first = try f.reserve("1", token: crashed, [(5, 0), (6, 0)])
        #expect(first.code == .reserved)
        try f.enqueue("2")
        #expect(try f.store.recover(batch: 10, on: f.redis).code == .none, "the lease has not expired yet")
        Thread.sleep(forTimeInterval: 0.1)
        let recovered = try f.store.recover(batch: 10, on: f.redis)
        #expect(recovered.code == .recovered && recovered.rooms == ["1"])
        #expect(try f.snapshot().queue == ["1", "2"], "back at the HEAD")
        #expect(try f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "c", "it needs no free slot")

        let next = try f.claim(token: "second-worker")
        #expect(next.room == "1" && next.reservedAgent == first.agent)
        let again = try f.reserve("1", token: "second-worker", [(6, 0), (5, 0)])
        #expect(again.code == .alreadyReserved && again.agent == first.agent && again.load == 1)
        #expect(try f.store.commit(room: "1", token: "second-worker", agent: first.agent!, on: f.redis).code == .committed)
        // The crashed worker comes back late: it must not undo anything.
        #expect(try f.store.commit(room: "1", token: crashed, agent: first.agent!, on: f.redis).code == .alreadyCommitted)
        #expect(try f.store.rollback(room: "1", token: crashed, agent: first.agent, to: .requeue, on: f.redis).code == .leaseLost)
        #expect(try f.snapshot().loads == [first.agent!: 1])
    }

    @Test func recoversInBatchesBackToTheirPlaceInLine() throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { _ = try f.claimed(room, lease: 1) }
        try f.enqueue("9")
        Thread.sleep(forTimeInterval: 0.02)
        let firstBatch = try f.store.recover(batch: 2, on: f.redis)
        #expect(firstBatch.code == .recovered && firstBatch.rooms == ["1", "2"])
        let secondBatch = try f.store.recover(batch: 2, on: f.redis)
        #expect(secondBatch.rooms == ["3"])
        #expect(try f.snapshot().queue == ["1", "2", "3", "9"], "ahead of the room that came after them, in arrival order")
        #expect(try f.store.recover(batch: 2, on: f.redis).code == .none)
    }

    @Test func anExpiredLeaseOfARoomNoLongerInFlightIsOnlyDropped() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1", lease: 1)
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        try f.redis.execute(["HSET", f.keys.state, "1", "a"]) // committed by hand, lease left behind
        Thread.sleep(forTimeInterval: 0.02)
        #expect(try f.store.recover(batch: 5, on: f.redis).code == .none)
        let snapshot = try f.snapshot()
        #expect(snapshot.leased.isEmpty && snapshot.queue.isEmpty && snapshot.states["1"] == "a")
    }

    @Test(arguments: [(["0", "8"], "batch"), (["1001", "8"], "batch"), (["x", "8"], "batch"), (["5", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        _ = try f.claimed("1", lease: 1)
        Thread.sleep(forTimeInterval: 0.01)
        try f.expectRefusal(AllocationScripts.recover, arguments, mentioning: text)
    }
}
