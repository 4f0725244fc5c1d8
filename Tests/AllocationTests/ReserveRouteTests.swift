import Allocation
import Foundation
import Redis
import Testing

/// `lua/reserve.lua` with routes: the limit of each candidate, the admin override and pause, one load per agent
/// over every route, and overflow candidates.
@Suite struct ReserveRouteTests {
    @Test func eachCandidateHasTheLimitItsRoutesGiveIt() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        let result = try await f.reserve("1", token: token, limit: 2, own: [
            AgentCandidate(id: 2, reportedLoad: 1, limit: 1), // at its own limit
            AgentCandidate(id: 3, reportedLoad: 2),           // at the passed limit (2)
            AgentCandidate(id: 1, reportedLoad: 2, limit: 3), // under its own
        ])
        #expect(result.code == .reserved && result.agent == 1 && result.load == 1 && !result.overflow)
    }

    @Test func oneLoadPerAgentOverEveryRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        try await f.assigned("1", to: 7, route: "sales", limit: 2)
        try await f.assigned("2", to: 7, route: "support", limit: 2)
        #expect(try await f.load(7) == 2)
        let token = try await f.claimed("3", route: "support")
        #expect(try await f.reserve("3", token: token, own: [.init(id: 7, reportedLoad: 0, limit: 2)]).code == .noCapacity,
                "the room of sales counts against the agent in support too")
        let more = try await f.reserve("3", token: token, own: [.init(id: 7, reportedLoad: 0, limit: 3)])
        #expect(more.code == .reserved && more.agent == 7 && more.load == 3)
    }

    @Test func anOverrideWinsOverAHigherOrALowerPassedLimit() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 1)
        try await f.assigned("2", to: 1)
        let token = try await f.claimed("3")
        let agentOne = [AgentCandidate(id: 1, reportedLoad: 0, limit: 2)]
        #expect(try await f.reserve("3", token: token, own: agentOne).code == .noCapacity)
        #expect(try await f.override(1, limit: .set(3)) == (3, false))
        let raised = try await f.reserve("3", token: token, own: agentOne)
        #expect(raised.code == .reserved && raised.agent == 1 && raised.load == 3, "the override raised the limit")

        let agentTwo = [AgentCandidate(id: 2, reportedLoad: 0, limit: 5)]
        try await f.override(2, limit: .set(1))
        let four = try await f.claimed("4")
        #expect(try await f.reserve("4", token: four, own: agentTwo).agent == 2)
        #expect(try await f.store.run(Commit(room: "4", token: four, agent: 2)).code == .committed)
        let five = try await f.claimed("5")
        #expect(try await f.reserve("5", token: five, own: agentTwo).code == .noCapacity, "the override lowered 5 to 1")
        #expect(try await f.override(2, limit: .clear).limit == nil)
        let cleared = try await f.reserve("5", token: five, own: agentTwo)
        #expect(cleared.code == .reserved && cleared.agent == 2 && cleared.load == 2, "the passed limit applies again")
    }

    @Test func aPausedAgentGetsNoNewRoom() async throws {
        let f = try StoreFixture()
        try await f.override(1, paused: true)
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, own: [.init(id: 1, reportedLoad: 0)]).code == .noCapacity)
        let other = try await f.reserve("1", token: token, limit: 10,
                                        own: [.init(id: 1, reportedLoad: 0), .init(id: 2, reportedLoad: 5)])
        #expect(other.code == .reserved && other.agent == 2, "the paused agent is skipped even when least loaded")
        try await f.override(1, paused: false)
        let token2 = try await f.claimed("2")
        #expect(try await f.reserve("2", token: token2, own: [.init(id: 1, reportedLoad: 0)]).agent == 1, "resumed")
        let inOrder = try await f.claimed("3")
        try await f.override(1, paused: true)
        #expect(try await f.reserve("3", token: inOrder, limit: 10, strategy: .inOrder,
                                    own: [.init(id: 1, reportedLoad: 0), .init(id: 2, reportedLoad: 5)]).agent == 2)
    }

    @Test func aKeptReservationOfAPausedAgentIsStillReturned() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1", lease: 1)
        #expect(try await f.reserve("1", token: token, own: [.init(id: 1, reportedLoad: 0)]).code == .reserved)
        try await f.override(1, limit: .set(1), paused: true)
        let retry = try await f.reserve("1", token: token, own: [.init(id: 2, reportedLoad: 0)])
        #expect(retry.code == .alreadyReserved && retry.agent == 1 && retry.load == 1)
        // And after the lease expired and another worker claimed it (the assign may have reached Qiscus).
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await f.store.run(Recover(batch: 10)).rooms == ["1"])
        let next = try await f.claim(token: "next")
        #expect(next.room == "1" && next.reservedAgent == 1)
        let again = try await f.reserve("1", token: "next", own: [.init(id: 2, reportedLoad: 0)])
        #expect(again.code == .alreadyReserved && again.agent == 1 && again.load == 1 && !again.overflow)
        #expect(try await f.snapshot().loads == [1: 1])
    }

    @Test func loweringALimitBelowTheLoadTakesNothingAway() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { try await f.assigned(room, to: 1, route: Keyspace.defaultRoute, limit: 5) }
        let before = try await f.snapshot()
        #expect(try await f.override(1, limit: .set(1)).limit == 1)
        var after = try await f.snapshot()
        after.wakeTokens = before.wakeTokens  // the change wakes a worker ('c'), as a freed slot does; nothing else moves
        #expect(after == before, "no room and no load is taken away")
        #expect(try await f.rooms(of: 1) == ["1", "2", "3"])
        let token = try await f.claimed("4")
        let agentOne = [AgentCandidate(id: 1, reportedLoad: 3, limit: 5)]
        #expect(try await f.reserve("4", token: token, own: agentOne).code == .noCapacity)
        #expect(try await f.store.run(Release(room: "1")).code == .released)
        #expect(try await f.store.run(Release(room: "2")).code == .released)
        #expect(try await f.reserve("4", token: token, own: [.init(id: 1, reportedLoad: 1, limit: 5)]).code == .noCapacity,
                "still at the lowered limit of 1")
        #expect(try await f.store.run(Release(room: "3")).code == .released)
        let free = try await f.reserve("4", token: token, own: [.init(id: 1, reportedLoad: 0, limit: 5)])
        #expect(free.code == .reserved && free.load == 1)
    }

    @Test func overflowCandidatesServeOnlyWhenEveryOwnCandidateIsFull() async throws {
        let f = try StoreFixture(routes: ["sales", "pool"])
        let pool = [AgentCandidate(id: 9, reportedLoad: 0, limit: 2), AgentCandidate(id: 8, reportedLoad: 1, limit: 2)]
        let token = try await f.claimed("1", route: "sales")
        let own = try await f.reserve("1", token: token, own: [.init(id: 1, reportedLoad: 1, limit: 2)],
                                      overflow: pool, overflowRoute: "pool")
        #expect(own.code == .reserved && own.agent == 1 && !own.overflow, "own agents first, though more loaded")

        let token2 = try await f.claimed("2", route: "sales")
        let full = [AgentCandidate(id: 1, reportedLoad: 2, limit: 2)]
        let overflow = try await f.reserve("2", token: token2, own: full, overflow: pool, overflowRoute: "pool")
        #expect(overflow.code == .reserved && overflow.agent == 9 && overflow.load == 1 && overflow.overflow,
                "the least loaded overflow candidate")
        let kept = try await f.reserve("2", token: token2, own: full, overflow: pool, overflowRoute: "pool")
        #expect(kept.code == .alreadyReserved && kept.agent == 9 && !kept.overflow)

        let token3 = try await f.claimed("3", route: "sales")
        #expect(try await f.reserve("3", token: token3, own: full).code == .noCapacity, "no overflow given")
        try await f.override(1, paused: true)
        let paused = try await f.reserve("3", token: token3, own: [.init(id: 1, reportedLoad: 0, limit: 2)],
                                         overflow: pool, overflowRoute: "pool")
        #expect(paused.code == .reserved && paused.agent == 9 && paused.overflow, "a paused own agent has no room either")
    }

    @Test func overflowCandidatesWaitWhileTheOverflowRouteHasRoomsQueued() async throws {
        let f = try StoreFixture(routes: ["sales", "pool"])
        let token = try await f.claimed("1", route: "sales")
        try await f.enqueue("2", route: "pool")
        let full = [AgentCandidate(id: 1, reportedLoad: 2, limit: 2)]
        let pool = [AgentCandidate(id: 9, reportedLoad: 0, limit: 2)]
        let before = try await f.dump()
        #expect(try await f.reserve("1", token: token, own: full, overflow: pool, overflowRoute: "pool").code == .noCapacity,
                "the pool's agents serve the pool's own room first")
        #expect(try await f.dump() == before)
        // An own agent with room is still taken whatever waits in the pool.
        let free = try await f.reserve("1", token: token, own: [.init(id: 1, reportedLoad: 1, limit: 2)],
                                       overflow: pool, overflowRoute: "pool")
        #expect(free.code == .reserved && free.agent == 1 && !free.overflow)
        // Once the pool's room is served, the pool's agents take overflow rooms again.
        let token3 = try await f.claimed("3", route: "sales")
        #expect(try await f.claim(routes: ["pool"]).room == "2")
        let overflow = try await f.reserve("3", token: token3, own: full, overflow: pool, overflowRoute: "pool")
        #expect(overflow.code == .reserved && overflow.agent == 9 && overflow.overflow)
    }

    @Test func overflowCandidatesHaveTheirLimitsOverridesAndPauseToo() async throws {
        let f = try StoreFixture(routes: ["sales", "pool"])
        let token = try await f.claimed("1", route: "sales")
        let full = [AgentCandidate(id: 1, reportedLoad: 2, limit: 2)]
        #expect(try await f.reserve("1", token: token, own: full, overflow: [.init(id: 9, reportedLoad: 3, limit: 3)],
                                    overflowRoute: "pool").code == .noCapacity)
        try await f.override(9, limit: .set(4))
        try await f.override(8, paused: true)
        let result = try await f.reserve("1", token: token, own: full,
                                         overflow: [.init(id: 8, reportedLoad: 0, limit: 3), .init(id: 9, reportedLoad: 3, limit: 3)],
                                         overflowRoute: "pool")
        #expect(result.code == .reserved && result.agent == 9 && result.overflow)
    }

    /// Every element of a raw reply as text.
    func texts(_ reply: RedisReply) -> [String] {
        reply.array?.map { $0.string ?? $0.int.map { String($0) } ?? "" } ?? []
    }

    @Test func ownCountsEveryCandidateWhenThereIsNoOverflow() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        try await f.enqueue("2")
        // own = 2 of 2: KEYS[9] (here the default queue, not empty) is not asked.
        let reply = try await f.raw(Reserve.self, ["1", token, "least_loaded", "2", "0", "5", "1", "2", "6", "0", "2"])
        #expect(texts(reply) == ["1", "6", "1", "0"])
        // own = 0: every candidate is an overflow candidate (the queue given is empty).
        let token3 = try await f.claimed("3", route: "sales")
        let keys = Reserve.keys.dropLast().map { f.keys[$0] } + [f.keys.queue(route: "pool")]
        let overflow = try await f.raw(Reserve.self, ["3", token3, "least_loaded", "0", "0", "5", "0", "2"], keys: keys)
        #expect(texts(overflow) == ["1", "5", "1", "1"])
    }

    /// ARGV: room, token, strategy, own, release window, then triples of agent id, count and limit.
    @Test(arguments: [
        (["1", "t", "least_loaded", "1", "0", "5", "0", "2", "6", "0", "10001"], "limit"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "2", "6", "0", "-1"], "limit"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "2", "x6", "0", "2"], "agent id"),
        (["1", "t", "least_loaded", "3", "0", "5", "0", "2", "6", "0", "2"], "own"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "2", "6"], "triples"),
        (["1", "t", "least_loaded", "1", "0", "5", "0", "2", "6", "0"], "triples"),
        (["1", "t", "least_loaded", "0", "86400001"], "release window"),
        (["1", "t", "least_loaded", "0", "1.5"], "release window"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture(routes: ["pool"])
        let token = try await f.claimed("1")
        try await f.override(5, limit: .set(3))
        var arguments = arguments
        arguments[1] = token
        try await f.expectRefusal(Reserve.self, arguments, mentioning: text)
    }
}
