import Allocation
import Redis
import Testing

/// `lua/release.lua`: every return code and argument check; idempotence.
@Suite struct ReleaseScriptTests {
    @Test func releasesTheAgentWeAssignedTwiceIsUnknown() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5)
        try f.assigned("2", to: 5)
        let first = try f.store.release(room: "1", on: f.redis)
        #expect(first.code == .released && first.agent == 5)
        #expect(try f.snapshot().loads == [5: 1])
        let afterFirst = try f.snapshot()
        #expect(try f.store.release(room: "1", on: f.redis).code == .unknown)
        #expect(try f.snapshot() == afterFirst, "a second release changes nothing")
        #expect(try f.store.release(room: "2", on: f.redis).agent == 5)
        #expect(try f.snapshot().loads.isEmpty, "a load that reaches 0 is deleted")
    }

    @Test func unknownRoomChangesNothing() throws {
        let f = try StoreFixture()
        #expect(try f.store.release(room: "404", on: f.redis).code == .unknown)
        #expect(try f.snapshot() == StoreSnapshot())
    }

    @Test func aQueuedRoomIsDequeuedAndNotWorkedAnyMore() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        try f.enqueue("2")
        #expect(try f.store.release(room: "1", on: f.redis).code == .dequeued)
        #expect(try f.snapshot().queue == ["2"] && f.snapshot().timed == ["2"])
        #expect(try f.claim().room == "2")
        #expect(try f.store.release(room: "1", on: f.redis).code == .unknown)
    }

    @Test func aRoomInFlightLosesItsLeaseAndItsSlot() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        #expect(try f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let result = try f.store.release(room: "1", on: f.redis)
        #expect(result.code == .dequeuedInFlight && result.agent == 5)
        let snapshot = try f.snapshot()
        #expect(snapshot.loads.isEmpty && snapshot.leased.isEmpty && snapshot.states.isEmpty)
        // The worker that held it finds out and does nothing harmful.
        #expect(try f.store.commit(room: "1", token: token, agent: 5, on: f.redis).code == .leaseLost)
        #expect(try f.store.rollback(room: "1", token: token, agent: 5, to: .requeue, on: f.redis).code == .leaseLost)
        #expect(try f.snapshot().loads.isEmpty && f.snapshot().queue.isEmpty)
        let bare = try f.claimed("2")
        let noAgent = try f.store.release(room: "2", on: f.redis)
        #expect(noAgent.code == .dequeuedInFlight && noAgent.agent == nil)
        _ = bare
    }

    @Test func aDeadRoomIsRemoved() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        _ = try f.store.rollback(room: "1", token: token, agent: nil, to: .dead(reason: "x"), on: f.redis)
        #expect(try f.store.release(room: "1", on: f.redis).code == .deadRemoved)
        let snapshot = try f.snapshot()
        #expect(snapshot.dead.isEmpty && snapshot.reasons.isEmpty && snapshot.states.isEmpty)
    }

    @Test func theSessionTombstoneMakesLateWebhooksStaleAndLetsTheNextSessionIn() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5, session: "0")
        #expect(try f.store.release(room: "1", sessionFloor: "88123401", on: f.redis).code == .released)
        #expect(try f.snapshot().sessions["1"] == "88123401")
        #expect(try f.enqueue("1", session: "0") == .stale, "a late webhook of the resolved session")
        #expect(try f.enqueue("1", session: "88123401") == .queued, "the returning customer's next session")
        // A late resolve of the session before (an id not newer than the key) leaves the new session alone.
        let before = try f.snapshot()
        #expect(try f.store.release(room: "1", sessionFloor: "88123401", on: f.redis).code == .staleSession)
        #expect(try f.store.release(room: "1", sessionFloor: "5", on: f.redis).code == .staleSession)
        #expect(try f.snapshot() == before)
        // The resolve of the session we hold carries a newer id.
        #expect(try f.store.release(room: "1", sessionFloor: "88123402", on: f.redis).code == .dequeued)
        #expect(try f.snapshot().sessions["1"] == "88123402")
        // With nothing recorded, a lower floor never lowers the tombstone.
        #expect(try f.store.release(room: "1", sessionFloor: "5", on: f.redis).code == .unknown)
        #expect(try f.snapshot().sessions["1"] == "88123402")
    }

    @Test(arguments: [(["x", "", "8"], "room"), (["1", "01", "8"], "floor"), (["1", "a", "8"], "floor"),
                      (["1", "", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 5)
        try f.expectRefusal(AllocationScripts.release, arguments, mentioning: text)
    }
}
