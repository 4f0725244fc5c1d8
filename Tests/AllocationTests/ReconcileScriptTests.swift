import Allocation
import Foundation
import Redis
import Testing

/// `lua/reconcile.lua`: every return code and argument check.
@Suite struct ReconcileScriptTests {
    @Test func theAssignedIndexFollowsCommitReleaseAndNewSessions() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5)
        try f.assigned("2", to: 6)
        #expect(try f.snapshot().assigned == ["1": 5, "2": 6])
        #expect(try f.store.release(room: "1", on: f.redis).code == .released)
        #expect(try f.enqueue("2", session: "7") == .queuedNewSession)
        #expect(try f.snapshot().assigned.isEmpty)
    }

    @Test func forgetsRoomsQiscusNoLongerCountsOnceTheAgentHasSettled() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5, session: "41")
        try f.assigned("2", to: 5, session: "0")
        try f.assigned("3", to: 6)
        // Just reserved: Qiscus's count may not show it yet, so nothing is touched.
        #expect(try f.store.reconcile(counts: [5: 0, 6: 1], settleMilliseconds: 60_000, on: f.redis).code == .none)
        #expect(try f.load(5) == 2)
        let wakeBefore = try f.snapshot().wakeTokens
        let healed = try f.store.reconcile(counts: [5: 1, 6: 1], settleMilliseconds: 0, on: f.redis)
        #expect(healed.code == .healed && healed.forgotten.count == 1 && healed.forgotten[0].agent == 5)
        let room = healed.forgotten[0].room
        let snapshot = try f.snapshot()
        #expect(snapshot.loads == [5: 1, 6: 1] && snapshot.countedLoads == snapshot.loads)
        #expect(snapshot.states[room] == nil && snapshot.assigned[room] == nil && snapshot.wakeTokens == wakeBefore + 1)
        // The forgotten room's late webhook is stale; the customer's next session is queued.
        let key = room == "1" ? "41" : "0"
        #expect(try f.enqueue(room, session: key) == .stale)
        #expect(try f.enqueue(room, session: room == "1" ? "88000001" : "88000002") == .queued)
        // Its real resolve webhook, if it comes after all, changes no agent's load.
        _ = try f.store.release(room: room, on: f.redis)
        #expect(try f.snapshot().loads == [5: 1, 6: 1])
    }

    @Test func aTombstoneOfNinesCarriesOver() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5, session: "999")
        #expect(try f.store.reconcile(counts: [5: 0], settleMilliseconds: 0, on: f.redis).code == .healed)
        #expect(try f.snapshot().sessions["1"] == "1000")
    }

    @Test func neverForgetsAReservationInFlightOrMoreThanTheExcess() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5)
        let token = try f.claimed("2")
        #expect(try f.reserve("2", token: token, [(5, 0)]).code == .reserved)
        #expect(try f.store.reconcile(counts: [5: 0], settleMilliseconds: 0, on: f.redis).forgotten.map(\.room) == ["1"])
        #expect(try f.state("2") == "f" && f.load(5) == 1)
        #expect(try f.store.reconcile(counts: [5: 0, 9: 3], settleMilliseconds: 0, on: f.redis).code == .none)
        #expect(try f.store.commit(room: "2", token: token, agent: 5, on: f.redis).code == .committed)
    }

    @Test(arguments: [(["-1", "8"], "settle"), (["x", "8"], "settle"), (["0", "0"], "wake cap"), (["0", "8", "5"], "pairs"),
                      (["0", "8", "5a", "1"], "agent id"), (["0", "8", "1234567890123456", "1"], "agent id"),
                      (["0", "8", "5", "-1"], "count"), (["0", "8", "5", "x"], "count")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5)
        try f.expectRefusal(AllocationScripts.reconcile, arguments, mentioning: text)
    }
}
