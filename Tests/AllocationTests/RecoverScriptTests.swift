import Allocation
import Foundation
import Redis
import Testing

/// `lua/recover.lua`: every return code and argument check; lease expiry end to end.
@Suite struct RecoverScriptTests {
    @Test func anExpiredLeaseGoesBackToTheHeadAndTheNextClaimerGetsTheSameAgentCountedOnce() async throws {
        let f = try StoreFixture()
        let crashed = try await f.claimed("1", lease: 60_000)
        let first = try await f.reserve("1", token: crashed, [(5, 0), (6, 0)])
        #expect(first.code == .reserved)
        try await f.enqueue("2")
        #expect(try await f.store.run(Recover(batch: 10)).code == .none, "the lease has not expired yet")
        try await f.store.run(Extend(room: "1", token: crashed, leaseMilliseconds: 1)) // the lease runs out now
        try await Task.sleep(for: .milliseconds(10))
        let recovered = try await f.store.run(Recover(batch: 10))
        #expect(recovered.code == .recovered && recovered.rooms == ["1"])
        #expect(try await f.snapshot().queue == ["1", "2"], "back at the HEAD")
        #expect(try await f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "c", "it needs no free slot")

        let next = try await f.claim(token: "second-worker")
        #expect(next.room == "1" && next.reservedAgent == first.agent)
        let again = try await f.reserve("1", token: "second-worker", [(6, 0), (5, 0)])
        #expect(again.code == .alreadyReserved && again.agent == first.agent && again.load == 1)
        #expect(try await f.store.run(Commit(room: "1", token: "second-worker", agent: first.agent!)).code == .committed)
        // The crashed worker comes back late: it must not undo anything.
        #expect(try await f.store.run(Commit(room: "1", token: crashed, agent: first.agent!)).code == .alreadyCommitted)
        await f.expectLeaseLost(Rollback.self) { try await f.store.run(Rollback(room: "1", token: crashed, agent: first.agent, to: .requeue)) }
        #expect(try await f.snapshot().loads == [first.agent!: 1])
    }

    @Test func recoversInBatchesBackToTheirPlaceInLine() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { _ = try await f.claimed(room, lease: 1) }
        try await f.enqueue("9")
        try await Task.sleep(for: .seconds(0.02))
        let firstBatch = try await f.store.run(Recover(batch: 2))
        #expect(firstBatch.code == .recovered && firstBatch.rooms == ["1", "2"])
        let secondBatch = try await f.store.run(Recover(batch: 2))
        #expect(secondBatch.rooms == ["3"])
        #expect(try await f.snapshot().queue == ["1", "2", "3", "9"], "ahead of the room that came after them, in arrival order")
        #expect(try await f.store.run(Recover(batch: 2)).code == .none)
    }

    @Test func anExpiredLeaseOfARoomNoLongerInFlightIsOnlyDropped() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1", lease: 1)
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        try await f.redis.execute(["HSET", f.keys.state, "1", "a"]) // committed by hand, lease left behind
        try await Task.sleep(for: .seconds(0.02))
        #expect(try await f.store.run(Recover(batch: 5)).code == .none)
        let snapshot = try await f.snapshot()
        #expect(snapshot.leased.isEmpty && snapshot.queue.isEmpty && snapshot.states["1"] == "a")
    }

    @Test(arguments: [(["0", "8"], "batch"), (["1001", "8"], "batch"), (["x", "8"], "batch"), (["5", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        _ = try await f.claimed("1", lease: 1)
        try await Task.sleep(for: .seconds(0.01))
        try await f.expectRefusal(Recover.self, arguments, mentioning: text)
    }
}
