import Allocation
import Redis
import Testing

/// `lua/release.lua`: every return code and argument check; idempotence.
@Suite struct ReleaseScriptTests {
    @Test func releasesTheAgentWeAssignedTwiceIsUnknown() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.assigned("2", to: 5)
        let first = try await f.store.run(Release(room: "1"))
        #expect(first.code == .released && first.agent == 5)
        #expect(try await f.snapshot().loads == [5: 1])
        let afterFirst = try await f.snapshot()
        #expect(try await f.store.run(Release(room: "1")).code == .unknown)
        #expect(try await f.snapshot() == afterFirst, "a second release changes nothing")
        #expect(try await f.store.run(Release(room: "2")).agent == 5)
        #expect(try await f.snapshot().loads.isEmpty, "a load that reaches 0 is deleted")
    }

    @Test func unknownRoomChangesNothing() async throws {
        let f = try StoreFixture()
        #expect(try await f.store.run(Release(room: "404")).code == .unknown)
        #expect(try await f.snapshot() == StoreSnapshot())
    }

    @Test func aQueuedRoomIsDequeuedAndNotWorkedAnyMore() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        #expect(try await f.store.run(Release(room: "1")).code == .dequeued)
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["2"] && snapshot.timed == ["2"])
        #expect(try await f.claim().room == "2")
        #expect(try await f.store.run(Release(room: "1")).code == .unknown)
    }

    @Test func aRoomInFlightLosesItsLeaseAndItsSlot() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let result = try await f.store.run(Release(room: "1"))
        #expect(result.code == .dequeuedInFlight && result.agent == 5)
        let snapshot = try await f.snapshot()
        #expect(snapshot.loads.isEmpty && snapshot.leased.isEmpty && snapshot.states.isEmpty)
        // The worker that held it finds out and does nothing harmful.
        await f.expectLeaseLost(Commit.self) { try await f.store.run(Commit(room: "1", token: token, agent: 5)) }
        await f.expectLeaseLost(Rollback.self) { try await f.store.run(Rollback(room: "1", token: token, agent: 5, to: .requeue)) }
        let after = try await f.snapshot()
        #expect(after.loads.isEmpty && after.queue.isEmpty)
        let bare = try await f.claimed("2")
        let noAgent = try await f.store.run(Release(room: "2"))
        #expect(noAgent.code == .dequeuedInFlight && noAgent.agent == nil)
        _ = bare
    }

    @Test func aDeadRoomIsRemoved() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.store.run(Rollback(room: "1", token: token, agent: nil, to: .dead(reason: "x")))
        #expect(try await f.store.run(Release(room: "1")).code == .deadRemoved)
        let snapshot = try await f.snapshot()
        #expect(snapshot.dead.isEmpty && snapshot.reasons.isEmpty && snapshot.states.isEmpty)
    }

    @Test func theSessionTombstoneMakesLateWebhooksStaleAndLetsTheNextSessionIn() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5, session: "0")
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "88123401")).code == .released)
        #expect(try await f.snapshot().sessions["1"] == "88123401")
        #expect(try await f.enqueue("1", session: "0") == .stale, "a late webhook of the resolved session")
        #expect(try await f.enqueue("1", session: "88123401") == .queued, "the returning customer's next session")
        // A late resolve of the session before (an id not newer than the key) leaves the new session alone.
        let before = try await f.snapshot()
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "88123401")).code == .staleSession)
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "5")).code == .staleSession)
        #expect(try await f.snapshot() == before)
        // The resolve of the session we hold carries a newer id.
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "88123402")).code == .dequeued)
        #expect(try await f.snapshot().sessions["1"] == "88123402")
        // With nothing recorded, a lower floor never lowers the tombstone.
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "5")).code == .unknown)
        #expect(try await f.snapshot().sessions["1"] == "88123402")
    }

    @Test(arguments: [(["x", "", "8"], "room"), (["1", "01", "8"], "floor"), (["1", "a", "8"], "floor"),
                      (["1", "", "0"], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 5)
        try await f.expectRefusal(Release.self, arguments, mentioning: text)
    }
}
