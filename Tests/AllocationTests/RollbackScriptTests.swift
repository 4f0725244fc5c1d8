import Allocation
import Foundation
import Redis
import Testing

/// `lua/rollback.lua`: every return code and argument check.
@Suite struct RollbackScriptTests {
    @Test func requeueFreesTheSlotAndPutsTheRoomAtTheHead() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        try f.enqueue("2")
        try f.enqueue("3")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let wakeBefore = try f.snapshot().wakeTokens
        #expect(try f.store.rollback(room: "1", token: token, agent: 5, to: .requeue, on: f.redis).code == .requeued)
        let snapshot = try f.snapshot()
        #expect(snapshot.queue == ["1", "2", "3"], "a requeued room keeps its place: the head, never the tail")
        #expect(snapshot.states["1"] == "q" && snapshot.agents["1"] == nil && snapshot.loads.isEmpty)
        #expect(snapshot.leased.isEmpty && snapshot.wakeTokens == wakeBefore + 1, "a freed slot wakes a worker")
        #expect(try f.redis.execute(["LINDEX", f.keys.wake, "-1"]).string == "c", "a capacity token")
    }

    @Test func roomsGivenUpTogetherKeepTheirArrivalOrderWhateverOrderTheyAreRolledBackIn() throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3", "4"] { try f.enqueue(room) }
        let tokens = try (0..<3).map { _ -> (String, String) in
            let token = UUID().uuidString
            return (try #require(try f.claim(token: token).room), token)
        }
        #expect(tokens.map(\.0) == ["1", "2", "3"])
        for (room, token) in [tokens[1], tokens[2], tokens[0]] {
            #expect(try f.store.rollback(room: room, token: token, agent: nil, to: .requeue, on: f.redis).code == .requeued)
        }
        #expect(try f.snapshot().queue == ["1", "2", "3", "4"])
    }

    @Test func requeueWithoutAReservationDoesNotWakeAnyone() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        let wakeBefore = try f.snapshot().wakeTokens
        #expect(try f.store.rollback(room: "1", token: token, agent: nil, to: .requeue, on: f.redis).code == .requeued)
        let snapshot = try f.snapshot()
        #expect(snapshot.queue == ["1"] && snapshot.wakeTokens == wakeBefore)
    }

    @Test func deadGoesToTheDeadSetWithItsReason() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let result = try f.store.rollback(room: "1", token: token, agent: 5,
                                          to: .dead(reason: "assign failed: HTTP 401"), on: f.redis)
        #expect(result.code == .dead)
        let snapshot = try f.snapshot()
        #expect(snapshot.dead == ["1"] && snapshot.reasons == ["1": "assign failed: HTTP 401"])
        #expect(snapshot.states["1"] == "d" && snapshot.queue.isEmpty && snapshot.loads.isEmpty)
    }

    @Test func leaseLostChangesNothing() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let before = try f.snapshot()
        #expect(try f.store.rollback(room: "1", token: "other", agent: 5, to: .requeue, on: f.redis).code == .leaseLost)
        #expect(try f.store.rollback(room: "9", token: token, agent: nil, to: .requeue, on: f.redis).code == .leaseLost)
        #expect(try f.snapshot() == before)
    }

    @Test func agentMismatchChangesNothing() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let before = try f.snapshot()
        let wrong = try f.store.rollback(room: "1", token: token, agent: 6, to: .requeue, on: f.redis)
        #expect(wrong.code == .agentMismatch && wrong.values == ["5"])
        let none = try f.store.rollback(room: "1", token: token, agent: nil, to: .requeue, on: f.redis)
        #expect(none.code == .agentMismatch)
        #expect(try f.snapshot() == before)
    }

    @Test(arguments: [
        (["x", "t", "", "requeue", "", "8"], "room"), (["1", "", "", "requeue", "", "8"], "token"),
        (["1", "t", "5a", "requeue", "", "8"], "agent"), (["1", "t", "", "later", "", "8"], "mode"),
        (["1", "t", "", "dead", "", "8"], "reason"), (["1", "t", "", "dead", String(repeating: "r", count: 513), "8"], "reason"),
        (["1", "t", "", "requeue", "", "0"], "wake cap"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try f.expectRefusal(AllocationScripts.rollback, arguments, mentioning: text)
    }
}
