import Allocation
import Foundation
import Redis
import Testing

/// `lua/rollback.lua`: every return code and argument check.
@Suite struct RollbackScriptTests {
    @Test func requeueFreesTheSlotAndPutsTheRoomAtTheHead() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        try await f.enqueue("2")
        try await f.enqueue("3")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let wakeBefore = try await f.snapshot().wakeTokens
        #expect(try await f.store.run(Rollback(room: "1", token: token, agent: 5, to: .requeue)).code == .requeued)
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1", "2", "3"], "a requeued room keeps its place: the head, never the tail")
        #expect(snapshot.states["1"] == "q" && snapshot.agents["1"] == nil && snapshot.loads.isEmpty)
        #expect(snapshot.leased.isEmpty && snapshot.wakeTokens == wakeBefore + 1, "a freed slot wakes a worker")
        #expect(try await f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "c", "a capacity token")
    }

    @Test func roomsGivenUpTogetherKeepTheirArrivalOrderWhateverOrderTheyAreRolledBackIn() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3", "4"] { try await f.enqueue(room) }
        var tokens: [(String, String)] = []
        for _ in 0..<3 {
            let token = UUID().uuidString
            tokens.append((try #require(try await f.claim(token: token).room), token))
        }
        #expect(tokens.map(\.0) == ["1", "2", "3"])
        for (room, token) in [tokens[1], tokens[2], tokens[0]] {
            #expect(try await f.store.run(Rollback(room: room, token: token, agent: nil, to: .requeue)).code == .requeued)
        }
        #expect(try await f.snapshot().queue == ["1", "2", "3", "4"])
    }

    @Test func requeueWithoutAReservationDoesNotWakeAnyone() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        let wakeBefore = try await f.snapshot().wakeTokens
        #expect(try await f.store.run(Rollback(room: "1", token: token, agent: nil, to: .requeue)).code == .requeued)
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1"] && snapshot.wakeTokens == wakeBefore)
    }

    @Test func deadGoesToTheDeadSetWithItsReason() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let result = try await f.store.run(Rollback(room: "1", token: token, agent: 5,
                                          to: .dead(reason: "assign failed: HTTP 401")))
        #expect(result.code == .dead)
        let snapshot = try await f.snapshot()
        #expect(snapshot.dead == ["1"] && snapshot.reasons == ["1": "assign failed: HTTP 401"])
        #expect(snapshot.states["1"] == "d" && snapshot.queue.isEmpty && snapshot.loads.isEmpty)
    }

    @Test func leaseLostChangesNothing() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let before = try await f.snapshot()
        await f.expectLeaseLost(Rollback.self) { try await f.store.run(Rollback(room: "1", token: "other", agent: 5, to: .requeue)) }
        await f.expectLeaseLost(Rollback.self) { try await f.store.run(Rollback(room: "9", token: token, agent: nil, to: .requeue)) }
        #expect(try await f.snapshot() == before)
    }

    @Test func agentMismatchChangesNothing() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let before = try await f.snapshot()
        await #expect(throws: ScriptError.agentMismatch(script: "rollback", held: "5")) {
            try await f.store.run(Rollback(room: "1", token: token, agent: 6, to: .requeue))
        }
        await #expect(throws: ScriptError.agentMismatch(script: "rollback", held: "5")) {
            try await f.store.run(Rollback(room: "1", token: token, agent: nil, to: .requeue))
        }
        #expect(try await f.snapshot() == before)
    }

    @Test(arguments: [
        (["x", "t", "", "requeue", "", "8"], "room"), (["1", "", "", "requeue", "", "8"], "token"),
        (["1", "t", "5a", "requeue", "", "8"], "agent"), (["1", "t", "", "later", "", "8"], "mode"),
        (["1", "t", "", "dead", "", "8"], "reason"), (["1", "t", "", "dead", String(repeating: "r", count: 513), "8"], "reason"),
        (["1", "t", "", "requeue", "", "0"], "wake cap"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try await f.expectRefusal(Rollback.self, arguments, mentioning: text)
    }
}
