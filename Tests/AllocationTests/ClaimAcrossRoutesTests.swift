import Allocation
import Foundation
import Redis
import Testing

/// `lua/claim.lua` over several routes' queues: the oldest head among the routes given, the route and wait it
/// answers, and its checks of the queue list.
@Suite struct ClaimAcrossRoutesTests {
    @Test func claimsTheOldestHeadAmongTheGivenRoutesAndNamesItsRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        try await f.enqueue("1", route: "sales")
        try await f.enqueue("2", route: "support")
        try await f.enqueue("3", route: "sales")
        let first = try await f.claim(routes: ["support", "sales"])
        #expect(first.code == .claimed && first.room == "1" && first.route == "sales")
        #expect(first.remaining == 1, "rooms left in the claimed room's own route")
        let second = try await f.claim(routes: ["support", "sales"])
        #expect(second.room == "2" && second.route == "support" && second.remaining == 0)
        let third = try await f.claim(routes: ["support", "sales"])
        #expect(third.room == "3" && third.route == "sales" && third.remaining == 0)
        #expect(try await f.claim(routes: ["support", "sales"]).code == .empty)
    }

    @Test func roomsArrivingAlternatelyInTwoRoutesAreClaimedInArrivalOrder() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        let arrivals = (1...12).map { (room: String($0), route: $0 % 2 == 1 ? "a" : "b") }
        for arrival in arrivals { try await f.enqueue(arrival.room, route: arrival.route) }
        // Every claim takes the room that arrived first, whichever route it is in and in whichever order the
        // routes are given.
        var claimed: [String] = []
        for index in 0..<arrivals.count {
            let claim = try await f.claim(routes: index % 3 == 0 ? ["b", "a"] : ["a", "b"])
            #expect(claim.route == arrivals[index].route, "room \(claim.room ?? "-")")
            claimed.append(claim.room ?? "-")
        }
        #expect(claimed == arrivals.map(\.room))
    }

    @Test func aTieGoesToTheRouteGivenFirst() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        try await f.enqueue("1", route: "a")
        try await f.enqueue("2", route: "b")
        let score = try #require(try await f.score("1", in: "a"))
        try await f.redis.execute(["ZADD", f.keys.queue(route: "b"), "XX", String(score), "2"])
        #expect(try await f.claim(routes: ["b", "a"]).room == "2")
        #expect(try await f.claim(routes: ["b", "a"]).room == "1")
        try await f.enqueue("3", route: "a")
        try await f.enqueue("4", route: "b")
        let later = try #require(try await f.score("3", in: "a"))
        try await f.redis.execute(["ZADD", f.keys.queue(route: "b"), "XX", String(later), "4"])
        #expect(try await f.claim(routes: ["a", "b"]).room == "3")
    }

    @Test func claimsOnlyFromTheGivenRoutesAndIsEmptyWhenTheyAre() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        try await f.enqueue("1", route: "sales")
        try await f.enqueue("2")
        try await f.enqueue("3", route: "support")
        let claim = try await f.claim(routes: ["support"])
        #expect(claim.room == "3" && claim.route == "support", "older rooms of routes not given wait")
        let before = try await f.snapshot()
        let everything = try await f.dump()
        #expect(try await f.claim(routes: ["support"]).code == .empty)
        #expect(try await f.claim(routes: ["support", "pool"]).code == .empty)
        #expect(try await f.snapshot() == before)
        #expect(try await f.dump() == everything, "EMPTY writes nothing")
        #expect(try await f.queue("sales") == ["1"])
        #expect(try await f.queue(Keyspace.defaultRoute) == ["2"])
        let fallback = try await f.claim(routes: [Keyspace.defaultRoute])
        #expect(fallback.room == "2" && fallback.route == Keyspace.defaultRoute)
    }

    @Test func answersHowLongTheRoomWaitedSinceItArrived() async throws {
        let f = try StoreFixture(routes: ["sales"])
        try await f.enqueue("1", route: "sales")
        // Bounds from the time the calls took here (the whole suite may be slow), not from a guess.
        func milliseconds(since start: ContinuousClock.Instant) -> Int { Int((ContinuousClock.now - start) / .milliseconds(1)) + 1 }
        let started = ContinuousClock.now
        let fiveSecondsAgo = try await f.redisMicroseconds() - 5_000_000
        try await f.redis.execute(["ZADD", f.keys.queue(route: "sales"), "XX", String(fiveSecondsAgo), "1"])
        let claim = try await f.claim(routes: ["sales"])
        let waited = try #require(claim.waitedMilliseconds)
        let took = milliseconds(since: started)
        #expect(claim.route == "sales" && (5_000...5_000 + took).contains(waited), "\(waited) ms, calls took \(took) ms")
        let enqueued = ContinuousClock.now
        try await f.enqueue("2")
        let fresh = try await f.claim()
        #expect(fresh.route == Keyspace.defaultRoute && (0...milliseconds(since: enqueued)).contains(fresh.waitedMilliseconds ?? -1))
    }

    /// An entry left in the queue of a removed route while the room is queued in another route now: the claim
    /// serves the room under its real route (its field), never under the queue's name, and the room's other entry
    /// is dropped later as an orphan.
    @Test func aStaleEntryInAnotherQueueIsClaimedUnderTheRoomsOwnRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "gone"])
        try await f.enqueue("1", route: "gone")
        try await f.redis.execute(["HSET", f.keys.route, "1", "sales"])
        try await f.redis.execute(["ZADD", f.keys.queue(route: "sales"), "99999999999999", "1"])
        let claim = try await f.claim(routes: ["gone", "sales"])
        #expect(claim.code == .claimed && claim.room == "1" && claim.route == "sales")
        let orphan = try await f.claim(routes: ["gone", "sales"])
        #expect(orphan.code == .droppedOrphan && orphan.room == "1")
        #expect(try await f.state("1") == "f")
    }

    /// A room of a route this store does not know (another instance's routes file has it, during a rolling
    /// deploy) goes back to the default queue but keeps its route, and a claim serves it under that route; a
    /// requeue into a route's queue names the route in the routes set, so reroute finds it once it is gone.
    @Test func aRecoveredRoomOfAnUnknownRouteKeepsItsRouteInTheDefaultQueue() async throws {
        let writer = try StoreFixture(routes: ["gone"])
        try await writer.enqueue("1", route: "gone")
        #expect(try await writer.claim(lease: 1, routes: ["gone"]).room == "1")
        try await writer.redis.execute(["SREM", writer.keys.routes, "gone"])
        try await Task.sleep(for: .milliseconds(20))
        let f = StoreFixture(sharing: writer, routes: [])
        #expect(try await f.store.run(Recover()).rooms == ["1"])
        #expect(try await f.route(of: "1") == "gone", "the route stays: another instance may serve it")
        #expect(try await f.routeNames().isEmpty, "the default queue is no route's")
        let claim = try await f.claim(token: "t")
        #expect(claim.room == "1" && claim.route == "gone")
        // The claimer gives it back to its own route's queue: the route is named again for reroute.
        #expect(try await f.store.run(Rollback(room: "1", token: "t", agent: nil, to: .requeue, route: "gone")).code == .requeued)
        #expect(try await f.queue("gone") == ["1"])
        #expect(try await f.routeNames() == ["gone"])
    }

    @Test func dropsAnOrphanHeadOfARouteQueue() async throws {
        let f = try StoreFixture(routes: ["sales"])
        try await f.enqueue("1", route: "sales")
        try await f.enqueue("2")
        try await f.redis.execute(["HSET", f.keys.state, "1", "a"])
        let dropped = try await f.claim(routes: [Keyspace.defaultRoute, "sales"])
        #expect(dropped.code == .droppedOrphan && dropped.room == "1")
        #expect(try await f.queue("sales").isEmpty)
        #expect(try await f.state("1") == "a")
        #expect(try await f.claim(routes: [Keyspace.defaultRoute, "sales"]).room == "2")
    }

    @Test func takesUpToSixtyFiveQueues() async throws {
        let f = try StoreFixture()
        let routes = (1...65).map { "r\($0)" }
        try await f.enqueue("1", route: "r65")
        let claim = try await f.claim(routes: routes)
        #expect(claim.room == "1" && claim.route == "r65")
    }

    /// KEYS after the seven fixed ones are the queues of `queues`; ARGV after the first three are `names`.
    @Test(arguments: [
        (["sales"], ["Sales"], "route"), (["sales"], [""], "route"), (["sales"], ["-sales"], "route"),
        (["sales"], ["sa les"], "route"), (["sales"], [String(repeating: "a", count: 33)], "route"),
        (["sales", "support"], ["sales", "Support"], "route"),
        (["sales", "support"], ["sales"], "claim takes"), (["sales"], ["sales", "support"], "claim takes"),
        ([], [], "claim takes"), ((1...66).map { "r\($0)" }, (1...66).map { "r\($0)" }, "claim takes"),
    ])
    func refusesBadRouteListsWithoutWriting(queues: [String], names: [String], mentioning text: String) async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        try await f.enqueue("1", route: "sales")
        try await f.enqueue("2", route: "support")
        try await f.enqueue("3")
        let keys = Claim.keys.map { f.keys[$0] } + queues.map { f.keys.queue(route: $0) }
        try await f.expectRefusal(Claim.self, ["t", "1000", "1"] + names, keys: keys, mentioning: text)
    }
}
