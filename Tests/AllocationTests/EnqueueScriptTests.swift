import Allocation
import Redis
import Testing

/// `lua/enqueue.lua`: every return code and argument check.
@Suite struct EnqueueScriptTests {
    @Test func newRoomsQueueInArrivalOrderAndWakeAWorker() async throws {
        let f = try StoreFixture()
        for room in ["30", "10", "20"] { #expect(try await f.enqueue(room) == .queued) }
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["30", "10", "20"])
        #expect(snapshot.states == ["30": "q", "10": "q", "20": "q"])
        #expect(try await f.redis.execute(["LRANGE", f.keys.wake, "0", "-1"]).array?.compactMap(\.string) == ["q", "q", "q"])
        var order: [String?] = []
        for _ in 0..<3 { order.append(try await f.claim().room) }
        #expect(order == ["30", "10", "20"], "FIFO: the head is the first room that arrived")
    }

    @Test func duplicateOfTheSameSessionIsANoOp() async throws {
        let f = try StoreFixture()
        #expect(try await f.enqueue("1", session: "7") == .queued)
        #expect(try await f.enqueue("2") == .queued)
        let before = try await f.snapshot()
        for _ in 0..<3 { #expect(try await f.enqueue("1", session: "7") == .duplicate) }
        #expect(try await f.snapshot() == before, "a duplicate changes nothing, not even the wake list")
    }

    @Test func duplicateWhileInFlightKeepsTheRoomLeased() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("5")
        #expect(try await f.enqueue("5") == .duplicate)
        #expect(try await f.enqueue("5", session: "9") == .duplicate, "a newer session of a waiting room is the same wait")
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue.isEmpty && snapshot.states["5"] == "f" && snapshot.sessions["5"] == "9")
        #expect(try await f.reserve("5", token: token, [(1, 0)]).code == .reserved)
    }

    @Test func alreadyAssignedForThisSession() async throws {
        let f = try StoreFixture()
        try await f.assigned("8", to: 100, session: "3")
        let before = try await f.snapshot()
        #expect(try await f.enqueue("8", session: "3") == .alreadyAssigned)
        #expect(try await f.snapshot() == before)
    }

    @Test func newerSessionOfAnAssignedRoomFreesTheOldSlotAndQueues() async throws {
        let f = try StoreFixture()
        try await f.assigned("8", to: 100, session: "3")
        #expect(try await f.load(100) == 1)
        #expect(try await f.enqueue("8", session: "4") == .queuedNewSession)
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["8"] && snapshot.states["8"] == "q" && snapshot.sessions["8"] == "4")
        #expect(snapshot.agents["8"] == nil && snapshot.loads[100] == nil, "the missed resolve is healed")
    }

    @Test func olderSessionIsStale() async throws {
        let f = try StoreFixture()
        #expect(try await f.enqueue("4", session: "100") == .queued)
        let before = try await f.snapshot()
        #expect(try await f.enqueue("4", session: "99") == .stale)
        #expect(try await f.enqueue("4", session: "0") == .stale)
        #expect(try await f.snapshot() == before)
        // Lengths compare first: "1000" is newer than "999".
        #expect(try await f.enqueue("4", session: "1000") == .duplicate)
        #expect(try await f.enqueue("4", session: "999") == .stale)
        #expect(try await f.enqueue("4", session: String(Int64.max)) == .duplicate, "any Int64 service id is a session key")
    }

    @Test func aDeadRoomWhoseCustomerWritesAgainIsQueuedAgain() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("6")
        #expect(try await f.store.run(Rollback(room: "6", token: token, agent: nil, to: .dead(reason: "boom"))).code == .dead)
        #expect(try await f.enqueue("6") == .queued)
        let snapshot = try await f.snapshot()
        #expect(snapshot.dead.isEmpty && snapshot.reasons.isEmpty && snapshot.queue == ["6"])
    }

    @Test func wakeListIsCapped() async throws {
        let f = try StoreFixture(wakeCap: 2)
        for room in 1...5 { try await f.enqueue(String(room)) }
        #expect(try await f.snapshot().wakeTokens == 2)
    }

    @Test(arguments: [
        (["", "0", "8"], "room"), (["12a", "0", "8"], "room"), ([String(repeating: "1", count: 33), "0", "8"], "room"),
        (["1\r\nFLUSHALL", "0", "8"], "room"), (["1", "01", "8"], "session"), (["1", "-1", "8"], "session"),
        (["1", String(repeating: "9", count: 20), "8"], "session"), (["1", "0", "0"], "wake cap"),
        (["1", "0", "x"], "wake cap"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.expectRefusal(Enqueue.self, arguments, mentioning: text)
    }

    @Test func theTypedAPIThrowsInvalidArgument() async throws {
        let f = try StoreFixture()
        await #expect(throws: ScriptError.self) { try await f.enqueue("room-1") }
    }
}
