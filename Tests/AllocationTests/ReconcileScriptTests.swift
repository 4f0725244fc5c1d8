import Allocation
import Foundation
import Redis
import Testing

/// `lua/reconcile.lua`: every return code and argument check.
@Suite struct ReconcileScriptTests {
    @Test func theAssignedIndexFollowsCommitReleaseAndNewSessions() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.assigned("2", to: 6)
        #expect(try await f.snapshot().assigned == ["1": 5, "2": 6])
        #expect(try await f.store.run(Release(room: "1")).code == .released)
        #expect(try await f.enqueue("2", session: "7") == .queuedNewSession)
        #expect(try await f.snapshot().assigned.isEmpty)
    }

    @Test func forgetsRoomsQiscusNoLongerCountsOnceTheAgentHasSettled() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5, session: "41")
        try await f.assigned("2", to: 5, session: "0")
        try await f.assigned("3", to: 6)
        // Just reserved: Qiscus's count may not show it yet, so nothing is touched.
        #expect(try await f.store.run(Reconcile(counts: [5: 0, 6: 1], settleMilliseconds: 60_000)).code == .none)
        #expect(try await f.load(5) == 2)
        let wakeBefore = try await f.snapshot().wakeTokens
        let healed = try await f.store.run(Reconcile(counts: [5: 1, 6: 1], settleMilliseconds: 0))
        #expect(healed.code == .healed && healed.forgotten.count == 1 && healed.forgotten[0].agent == 5)
        let room = healed.forgotten[0].room
        let snapshot = try await f.snapshot()
        #expect(snapshot.loads == [5: 1, 6: 1] && snapshot.countedLoads == snapshot.loads)
        #expect(snapshot.states[room] == nil && snapshot.assigned[room] == nil && snapshot.wakeTokens == wakeBefore + 1)
        // The forgotten room's late webhook is stale; the customer's next session is queued.
        let key = room == "1" ? "41" : "0"
        #expect(try await f.enqueue(room, session: key) == .stale)
        #expect(try await f.enqueue(room, session: room == "1" ? "88000001" : "88000002") == .queued)
        // Its real resolve webhook, if it comes after all, changes no agent's load.
        _ = try await f.store.run(Release(room: room))
        #expect(try await f.snapshot().loads == [5: 1, 6: 1])
    }

    @Test func aTombstoneOfNinesCarriesOver() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5, session: "999")
        #expect(try await f.store.run(Reconcile(counts: [5: 0], settleMilliseconds: 0)).code == .healed)
        #expect(try await f.snapshot().sessions["1"] == "1000")
    }

    @Test func neverForgetsAReservationInFlightOrMoreThanTheExcess() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        let token = try await f.claimed("2")
        #expect(try await f.reserve("2", token: token, [(5, 0)]).code == .reserved)
        #expect(try await f.store.run(Reconcile(counts: [5: 0], settleMilliseconds: 0)).forgotten.map(\.room) == ["1"])
        #expect(try await f.state("2") == "f")
        #expect(try await f.load(5) == 1)
        #expect(try await f.store.run(Reconcile(counts: [5: 0, 9: 3], settleMilliseconds: 0)).code == .none)
        #expect(try await f.store.run(Commit(room: "2", token: token, agent: 5)).code == .committed)
    }

    @Test(arguments: [(["-1", "8"], "settle"), (["x", "8"], "settle"), (["0", "0"], "wake cap"), (["0", "8", "5"], "pairs"),
                      (["0", "8", "5a", "1"], "agent id"), (["0", "8", "1234567890123456", "1"], "agent id"),
                      (["0", "8", "5", "-1"], "count"), (["0", "8", "5", "x"], "count")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.expectRefusal(Reconcile.self, arguments, mentioning: text)
    }
}
