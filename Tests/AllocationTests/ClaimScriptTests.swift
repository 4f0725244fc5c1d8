import Allocation
import Foundation
import Redis
import Testing

/// `lua/claim.lua`: every return code and argument check.
@Suite struct ClaimScriptTests {
    @Test func claimsTheHeadWithALeaseFromRedisTime() throws {
        let f = try StoreFixture()
        try f.enqueue("11", session: "5")
        try f.enqueue("12")
        let redisNow = try f.redis.execute(["TIME"]).array!.compactMap(\.int)
        let result = try f.claim(token: "worker-a", lease: 10_000)
        #expect(result.code == .claimed && result.room == "11" && result.session == "5" && result.reservedAgent == nil)
        #expect(result.remaining == 1)
        #expect(try f.state("11") == "f")
        #expect(try f.redis.execute(["HGET", f.keys.owner, "11"]).string == "worker-a")
        let deadline = try #require(try f.redis.execute(["ZSCORE", f.keys.lease, "11"]).int)
        let expected = redisNow[0] * 1000 + redisNow[1] / 1000 + 10_000
        #expect(abs(deadline - expected) < 1000)
        #expect(try f.snapshot().queue == ["12"])
    }

    @Test func emptyQueue() throws {
        let f = try StoreFixture()
        #expect(try f.claim().code == .empty)
        #expect(try f.snapshot() == StoreSnapshot())
    }

    @Test func dropsAnOrphanHeadThatIsNotQueued() throws {
        let f = try StoreFixture()
        try f.enqueue("21")
        try f.enqueue("22")
        try f.redis.execute(["HSET", f.keys.state, "21", "a"]) // damaged by hand
        let dropped = try f.claim()
        #expect(dropped.code == .droppedOrphan && dropped.room == "21")
        #expect(try f.state("21") == "a", "an orphan is only dropped from the queue, nothing else changes")
        #expect(try f.claim().room == "22")
    }

    @Test func returnsTheReservationARecoveredRoomKept() throws {
        let f = try StoreFixture()
        let token = try f.claimed("31", lease: 1)
        #expect(try f.reserve("31", token: token, [(7, 0)]).code == .reserved)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try f.store.recover(batch: 10, on: f.redis).code == .recovered)
        let again = try f.claim()
        #expect(again.code == .claimed && again.room == "31" && again.reservedAgent == 7)
    }

    @Test func aClaimerThatWasNotWokenTakesOneQueueTokenOffTheWakeList() throws {
        let f = try StoreFixture()
        try f.enqueue("41")
        try f.enqueue("42")
        try f.enqueue("43")
        try f.redis.execute(["LPUSH", f.keys.wake, "c"])
        func tokens() throws -> [String] { try f.redis.execute(["LRANGE", f.keys.wake, "0", "-1"]).array!.compactMap(\.string) }
        #expect(try tokens() == ["c", "q", "q", "q"])
        let first = try f.store.claim(token: "a", leaseMilliseconds: 1000, consumesWakeToken: true, on: f.redis)
        #expect(first.room == "41" && first.remaining == 2)
        #expect(try tokens() == ["c", "q", "q"], "one q removed; the c token stays")
        let woken = try f.store.claim(token: "b", leaseMilliseconds: 1000, consumesWakeToken: false, on: f.redis)
        #expect(woken.room == "42" && woken.remaining == 1)
        #expect(try tokens() == ["c", "q", "q"], "a woken claimer's token was popped already")
        try f.redis.execute(["DEL", f.keys.wake])
        let last = try f.store.claim(token: "c", leaseMilliseconds: 1000, consumesWakeToken: true, on: f.redis)
        #expect(last.room == "43" && last.remaining == 0, "no token to take is fine")
    }

    @Test(arguments: [(["", "100", "0"], "token"), ([String(repeating: "t", count: 129), "100", "0"], "token"),
                      (["t", "0", "0"], "lease"), (["t", "86400001", "0"], "lease"), (["t", "1.5", "0"], "lease"),
                      (["t", "x", "0"], "lease"), (["t", "100", ""], "token use"), (["t", "100", "2"], "token use")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        try f.expectRefusal(AllocationScripts.claim, arguments, mentioning: text)
    }
}
