import Allocation
import Foundation
import Redis
import Testing

/// `lua/commit.lua`: every return code and argument check.
@Suite struct CommitScriptTests {
    @Test func commitMakesTheReservationTheAssignmentAndEndsTheLease() async throws {
        let f = try StoreFixture()
        let started = ContinuousClock.now
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        #expect(try await f.snapshot().timed == ["1"], "enqueue recorded when the room arrived")
        try await Task.sleep(for: .seconds(0.02))
        let commit = try await f.store.run(Commit(room: "1", token: token, agent: 5))
        #expect(commit.code == .committed)
        let waited = try #require(commit.waitedMilliseconds)
        let took = Int((ContinuousClock.now - started) / .milliseconds(1)) + 1
        #expect(waited >= 20 && waited <= took, "time from queueing to commit on the Redis clock: \(waited) ms (\(took) ms here)")
        let snapshot = try await f.snapshot()
        #expect(snapshot.timed.isEmpty)
        #expect(snapshot.states["1"] == "a" && snapshot.agents["1"] == 5 && snapshot.loads == [5: 1])
        #expect(snapshot.leased.isEmpty)
        #expect(try await f.redis.execute(["HGET", f.keys.owner, "1"]) == .null)
    }

    @Test func aSecondCommitIsAlreadyCommitted() async throws {
        let f = try StoreFixture()
        let token = try await f.assigned("1", to: 5)
        let before = try await f.snapshot()
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 5)).code == .alreadyCommitted)
        #expect(try await f.store.run(Commit(room: "1", token: "late-worker", agent: 5)).code == .alreadyCommitted)
        await #expect(throws: ScriptError.agentMismatch(script: "commit", held: "5")) {
            try await f.store.run(Commit(room: "1", token: token, agent: 6))
        }
        #expect(try await f.snapshot() == before)
    }

    @Test func leaseLostWhenAnotherWorkerHoldsTheRoomOrItWasRecovered() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        await f.expectLeaseLost(Commit.self) { try await f.store.run(Commit(room: "1", token: "other", agent: 5)) }
        try await f.redis.execute(["HSET", f.keys.state, "1", "q"]) // as recover.lua leaves it
        await f.expectLeaseLost(Commit.self) { try await f.store.run(Commit(room: "1", token: token, agent: 5)) }
        await f.expectLeaseLost(Commit.self) { try await f.store.run(Commit(room: "2", token: token, agent: 5)) }
        #expect(try await f.load(5) == 1, "a lost lease never rolls the reservation back")
    }

    @Test func agentMismatchWithoutOrWithAnotherReservation() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        await #expect(throws: ScriptError.agentMismatch(script: "commit", held: "")) {
            try await f.store.run(Commit(room: "1", token: token, agent: 5))
        }
        #expect(try await f.reserve("1", token: token, [(6, 0)]).code == .reserved)
        await #expect(throws: ScriptError.agentMismatch(script: "commit", held: "6")) {
            try await f.store.run(Commit(room: "1", token: token, agent: 5))
        }
        #expect(try await f.state("1") == "f")
    }

    @Test(arguments: [(["r", "t", "5"], "room"), (["1", "", "5"], "token"), (["1", "t", ""], "agent"),
                      (["1", "t", "5x"], "agent"), (["1", "t", String(repeating: "1", count: 21)], "agent")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try await f.expectRefusal(Commit.self, arguments, mentioning: text)
    }
}
