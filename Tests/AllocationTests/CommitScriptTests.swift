import Allocation
import Foundation
import Redis
import Testing

/// `lua/commit.lua`: every return code and argument check.
@Suite struct CommitScriptTests {
    @Test func commitMakesTheReservationTheAssignmentAndEndsTheLease() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        #expect(try f.snapshot().timed == ["1"], "enqueue recorded when the room arrived")
        Thread.sleep(forTimeInterval: 0.02)
        let commit = try f.store.commit(room: "1", token: token, agent: 5, on: f.redis)
        #expect(commit.code == .committed)
        let waited = try #require(commit.waitedMilliseconds)
        #expect(waited >= 20 && waited < 5_000, "time from queueing to commit on the Redis clock: \(waited) ms")
        let snapshot = try f.snapshot()
        #expect(snapshot.timed.isEmpty)
        #expect(snapshot.states["1"] == "a" && snapshot.agents["1"] == 5 && snapshot.loads == [5: 1])
        #expect(snapshot.leased.isEmpty)
        #expect(try f.redis.execute(["HGET", f.keys.owner, "1"]) == .null)
    }

    @Test func aSecondCommitIsAlreadyCommitted() throws {
        let f = try StoreFixture()
        let token = try f.assigned("1", to: 5)
        let before = try f.snapshot()
        #expect(try f.store.commit(room: "1", token: token, agent: 5, on: f.redis).code == .alreadyCommitted)
        #expect(try f.store.commit(room: "1", token: "late-worker", agent: 5, on: f.redis).code == .alreadyCommitted)
        let other = try f.store.commit(room: "1", token: token, agent: 6, on: f.redis)
        #expect(other.code == .agentMismatch && other.values == ["5"])
        #expect(try f.snapshot() == before)
    }

    @Test func leaseLostWhenAnotherWorkerHoldsTheRoomOrItWasRecovered() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        #expect(try f.store.commit(room: "1", token: "other", agent: 5, on: f.redis).code == .leaseLost)
        try f.redis.execute(["HSET", f.keys.state, "1", "q"]) // as recover.lua leaves it
        #expect(try f.store.commit(room: "1", token: token, agent: 5, on: f.redis).code == .leaseLost)
        #expect(try f.store.commit(room: "2", token: token, agent: 5, on: f.redis).code == .leaseLost)
        #expect(try f.load(5) == 1, "a lost lease never rolls the reservation back")
    }

    @Test func agentMismatchWithoutOrWithAnotherReservation() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        let none = try f.store.commit(room: "1", token: token, agent: 5, on: f.redis)
        #expect(none.code == .agentMismatch && none.values == [""])
        #expect(try f.reserve("1", token: token, [(6, 0)]).code == .reserved)
        let other = try f.store.commit(room: "1", token: token, agent: 5, on: f.redis)
        #expect(other.code == .agentMismatch && other.values == ["6"])
        #expect(try f.state("1") == "f")
    }

    @Test(arguments: [(["r", "t", "5"], "room"), (["1", "", "5"], "token"), (["1", "t", ""], "agent"),
                      (["1", "t", "5x"], "agent"), (["1", "t", String(repeating: "1", count: 21)], "agent")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        _ = try f.reserve("1", token: token, [(5, 0)])
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try f.expectRefusal(AllocationScripts.commit, arguments, mentioning: text)
    }
}
