import Allocation
import Foundation
import Redis
import Testing

/// `lua/claim.lua`: every return code and argument check.
@Suite struct ClaimScriptTests {
    @Test func claimsTheHeadWithALeaseFromRedisTime() async throws {
        let f = try StoreFixture()
        try await f.enqueue("11", session: "5")
        try await f.enqueue("12")
        let started = ContinuousClock.now
        let redisNow = try await f.redis.execute(["TIME"]).array!.compactMap(\.int)
        let result = try await f.claim(token: "worker-a", lease: 10_000)
        let took = Int((ContinuousClock.now - started) / .milliseconds(1)) + 1
        #expect(result.code == .claimed && result.room == "11" && result.session == "5" && result.reservedAgent == nil)
        #expect(result.remaining == 1)
        #expect(try await f.state("11") == "f")
        #expect(try await f.redis.execute(["HGET", f.keys.owner, "11"]).string == "worker-a")
        let deadline = try #require(try await f.redis.execute(["ZSCORE", f.keys.lease, "11"]).int)
        let expected = redisNow[0] * 1000 + redisNow[1] / 1000 + 10_000
        #expect(deadline >= expected && deadline <= expected + Int64(took), "the lease runs from the claim, on the Redis clock")
        #expect(try await f.snapshot().queue == ["12"])
    }

    @Test func emptyQueue() async throws {
        let f = try StoreFixture()
        #expect(try await f.claim().code == .empty)
        #expect(try await f.snapshot() == StoreSnapshot())
    }

    @Test func dropsAnOrphanHeadThatIsNotQueued() async throws {
        let f = try StoreFixture()
        try await f.enqueue("21")
        try await f.enqueue("22")
        try await f.redis.execute(["HSET", f.keys.state, "21", "a"]) // damaged by hand
        let dropped = try await f.claim()
        #expect(dropped.code == .droppedOrphan && dropped.room == "21")
        #expect(try await f.state("21") == "a", "an orphan is only dropped from the queue, nothing else changes")
        #expect(try await f.claim().room == "22")
    }

    @Test func returnsTheReservationARecoveredRoomKept() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("31", lease: 1)
        #expect(try await f.reserve("31", token: token, [(7, 0)]).code == .reserved)
        try await Task.sleep(for: .seconds(0.01))
        #expect(try await f.store.run(Recover(batch: 10)).code == .recovered)
        let again = try await f.claim()
        #expect(again.code == .claimed && again.room == "31" && again.reservedAgent == 7)
    }

    @Test func aClaimerThatWasNotWokenTakesOneQueueTokenOffTheWakeList() async throws {
        let f = try StoreFixture()
        try await f.enqueue("41")
        try await f.enqueue("42")
        try await f.enqueue("43")
        try await f.redis.execute(["LPUSH", f.keys.wake, "c"])
        func tokens() async throws -> [String] { try await f.redis.execute(["LRANGE", f.keys.wake, "0", "-1"]).array!.compactMap(\.string) }
        #expect(try await tokens() == ["c", "q", "q", "q"])
        let first = try await f.store.run(Claim(token: "a", leaseMilliseconds: 1000, consumesWakeToken: true))
        #expect(first.room == "41" && first.remaining == 2)
        #expect(try await tokens() == ["c", "q", "q"], "one q removed; the c token stays")
        let woken = try await f.store.run(Claim(token: "b", leaseMilliseconds: 1000, consumesWakeToken: false))
        #expect(woken.room == "42" && woken.remaining == 1)
        #expect(try await tokens() == ["c", "q", "q"], "a woken claimer's token was popped already")
        try await f.redis.execute(["DEL", f.keys.wake])
        let last = try await f.store.run(Claim(token: "c", leaseMilliseconds: 1000, consumesWakeToken: true))
        #expect(last.room == "43" && last.remaining == 0, "no token to take is fine")
    }

    @Test(arguments: [(["", "100", "0"], "token"), ([String(repeating: "t", count: 129), "100", "0"], "token"),
                      (["t", "0", "0"], "lease"), (["t", "86400001", "0"], "lease"), (["t", "1.5", "0"], "lease"),
                      (["t", "x", "0"], "lease"), (["t", "100", ""], "token use"), (["t", "100", "2"], "token use")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.expectRefusal(Claim.self, arguments, mentioning: text)
    }
}
