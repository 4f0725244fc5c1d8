import Allocation
import Foundation
import Redis
import Testing

/// `lua/reserve.lua`, the allocation rule: every return code and argument check.
@Suite struct ReserveScriptTests {
    @Test func reservesTheLeastLoadedAgentAndCountsTheRoom() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 10)
        let token = try await f.claimed("2")
        let result = try await f.reserve("2", token: token, [(10, 0), (20, 1), (30, 0)])
        #expect(result.code == .reserved && result.agent == 30 && result.load == 1,
                "10 holds one room of ours, 20 one by Qiscus's count; 30 is the least loaded")
        let snapshot = try await f.snapshot()
        #expect(snapshot.agents["2"] == 30 && snapshot.loads == [10: 1, 30: 1] && snapshot.states["2"] == "f")
    }

    @Test func tiesGoToTheEarlierCandidate() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("2")
        #expect(try await f.reserve("2", token: token, [(50, 1), (40, 0), (60, 0)]).agent == 40)
    }

    @Test func inOrderTakesTheFirstCandidateUnderTheLimit() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 10)
        let token = try await f.claimed("2")
        let result = try await f.reserve("2", token: token, strategy: .inOrder, [(10, 0), (20, 0)])
        #expect(result.code == .reserved && result.agent == 10 && result.load == 2)
    }

    @Test func effectiveLoadNeverTrustsTheLaggingQiscusCountAlone() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 10)
        try await f.assigned("2", to: 10)
        // Qiscus still says 0 for agent 10 (its count lags): our count of 2 is what holds.
        let token = try await f.claimed("3")
        #expect(try await f.reserve("3", token: token, [(10, 0)]).code == .noCapacity)
        // And the other way: Qiscus counts rooms given out by hand that we never saw.
        #expect(try await f.reserve("3", token: token, [(10, 0), (20, 2)]).code == .noCapacity)
        let result = try await f.reserve("3", token: token, [(10, 0), (20, 2), (30, 1)])
        #expect(result.code == .reserved && result.agent == 30 && result.load == 1)
        #expect(try await f.load(10) == 2)
        #expect(try await f.load(20) == 0)
    }

    @Test func ourRecentReleasesAreSubtractedFromTheLaggingQiscusCount() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 10)
        try await f.assigned("2", to: 10)
        #expect(try await f.store.run(Release(room: "1")).code == .released)
        let token = try await f.claimed("3")
        // Qiscus still counts the resolved room (its count lags): 2.
        #expect(try await f.reserve("3", token: token, [(10, 2)]).code == .noCapacity, "without a window, the slot stays shut")
        try await Task.sleep(for: .seconds(0.01))
        let expired = try await f.store.run(Reserve(room: "3", token: token, limit: 2, releaseWindowMilliseconds: 5,
                                          candidates: [AgentCandidate(id: 10, reportedLoad: 2)]))
        #expect(expired.code == .noCapacity, "a release older than the window is not subtracted")
        let open = try await f.store.run(Reserve(room: "3", token: token, limit: 2, releaseWindowMilliseconds: 3_600_000,
                                       candidates: [AgentCandidate(id: 10, reportedLoad: 2)]))
        #expect(open.code == .reserved && open.agent == 10 && open.load == 2, "the freed slot serves at once")
        // Our own count still rules: the subtraction never goes below it.
        let token4 = try await f.claimed("4")
        let full = try await f.store.run(Reserve(room: "4", token: token4, limit: 2, releaseWindowMilliseconds: 3_600_000,
                                       candidates: [AgentCandidate(id: 10, reportedLoad: 0)]))
        #expect(full.code == .noCapacity)
    }

    @Test func releasesOfReservationsInFlightAreNotRemembered() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(10, 0)]).code == .reserved)
        #expect(try await f.store.run(Release(room: "1")).code == .dequeuedInFlight)
        #expect(try await f.redis.execute(["HGET", f.keys.freed, "10"]) == .null, "the assign may never have reached Qiscus")
    }

    @Test func noCapacityWithoutCandidatesOrWithEveryoneFull() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("4")
        #expect(try await f.reserve("4", token: token, []).code == .noCapacity)
        #expect(try await f.reserve("4", token: token, limit: 1, [(1, 1), (2, 5)]).code == .noCapacity)
        let snapshot = try await f.snapshot()
        #expect(snapshot.agents.isEmpty && snapshot.loads.isEmpty && snapshot.states["4"] == "f")
    }

    @Test func aRetryGetsTheSameAgentCountedOnce() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("5")
        let first = try await f.reserve("5", token: token, [(1, 0), (2, 0)])
        let second = try await f.reserve("5", token: token, [(2, 0), (1, 0)])
        #expect(first.code == .reserved && second.code == .alreadyReserved)
        #expect(second.agent == first.agent && second.load == 1)
        #expect(try await f.snapshot().loads == [first.agent!: 1])
    }

    @Test func alreadyAssignedChangesNothing() async throws {
        let f = try StoreFixture()
        let token = try await f.assigned("6", to: 9)
        let before = try await f.snapshot()
        let result = try await f.reserve("6", token: token, [(1, 0)])
        #expect(result.code == .alreadyAssigned && result.agent == 9)
        #expect(try await f.snapshot() == before)
    }

    @Test func leaseLostForAnotherTokenAQueuedRoomOrAnUnknownRoom() async throws {
        let f = try StoreFixture()
        try await f.claimed("7")
        await f.expectLeaseLost(Reserve.self) { try await f.reserve("7", token: "someone-else", [(1, 0)]) }
        try await f.enqueue("8")
        await f.expectLeaseLost(Reserve.self) { try await f.reserve("8", token: "t", [(1, 0)]) }
        await f.expectLeaseLost(Reserve.self) { try await f.reserve("9", token: "t", [(1, 0)]) }
        #expect(try await f.snapshot().loads.isEmpty)
    }

    /// ARGV: room, token, strategy, own, release window, then triples of agent id, count and limit.
    @Test(arguments: [
        (["x", "t", "least_loaded", "0", "0"], "room"), (["1", "", "least_loaded", "0", "0"], "token"),
        (["1", "t", "random", "0", "0"], "strategy"),
        (["1", "t", "least_loaded", "0", "-1"], "release window"), (["1", "t", "least_loaded", "0", "x"], "release window"),
        (["1", "t", "least_loaded", "0", "0", "5"], "triples"), (["1", "t", "least_loaded", "0", "0", "5", "0"], "triples"),
        (["1", "t", "least_loaded", "2", "0", "5", "0", "2"], "own"), (["1", "t", "least_loaded", "-1", "0"], "own"),
        (["1", "t", "least_loaded", "x", "0"], "own"), (["1", "t", "least_loaded", "0.5", "0", "5", "0", "2"], "own"),
        (["1", "t", "least_loaded", "1", "0", "a5", "0", "2"], "agent id"),
        (["1", "t", "least_loaded", "1", "0", "5", "-1", "2"], "count"),
        (["1", "t", "least_loaded", "1", "0", "5", "1000001", "2"], "count"),
        (["1", "t", "least_loaded", "1", "0", "5", "x", "2"], "count"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "0"], "limit"), (["1", "t", "least_loaded", "1", "0", "5", "0", "10001"], "limit"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "1.5"], "limit"), (["1", "t", "least_loaded", "1", "0", "5", "0", "x"], "limit"),
        (["1", "t", "least_loaded", "0", "0"] + Array(repeating: ["5", "0", "2"], count: 501).flatMap { $0 }, "triples"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try await f.expectRefusal(Reserve.self, arguments, mentioning: text)
    }

    @Test func fiveHundredCandidatesAreAccepted() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        let candidates = (1...500).map { ($0, $0 == 321 ? 0 : 1) }
        let result = try await f.reserve("1", token: token, limit: 2, candidates)
        #expect(result.code == .reserved && result.agent == 321)
    }
}
