import Allocation
import Foundation
import Redis
import Testing

/// The scripts that put a room back, or take it out, use the queue of ITS route: commit's per-route count,
/// rollback, recover, revive, release, nudge, and the route list the scripts that take every route check.
@Suite struct RouteKeepingTests {
    @Test func commitCountsTheRoomServedInItsRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        let token = try await f.assigned("1", to: 7, route: "sales")
        try await f.assigned("2", to: 7, route: "sales")
        try await f.assigned("3", to: 8)
        #expect(try await f.hash(f.keys.served) == ["sales": "2", Keyspace.defaultRoute: "1"])
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 7)).code == .alreadyCommitted)
        #expect(try await f.hash(f.keys.served) == ["sales": "2", Keyspace.defaultRoute: "1"], "counted once")
    }

    @Test func aRequeuedRoomGoesBackToItsRoutesQueueAtItsArrivalTime() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        try await f.enqueue("1", route: "b")
        try await f.enqueue("2", route: "a")
        try await f.enqueue("3", route: "b")
        let arrival = try #require(try await f.arrival("1"))
        let claim = try await f.claim(token: "t", routes: ["a", "b"])
        #expect(claim.room == "1" && claim.route == "b")
        #expect(try await f.reserve("1", token: "t", own: [.init(id: 4, reportedLoad: 0)]).code == .reserved)
        #expect(try await f.store.run(Rollback(room: "1", token: "t", agent: 4, to: .requeue, route: "b")).code == .requeued)
        #expect(try await f.queue("b") == ["1", "3"])
        #expect(try await f.queue("a") == ["2"])
        #expect(try await f.queue(Keyspace.defaultRoute).isEmpty)
        #expect(try await f.score("1", in: "b") == arrival)
        #expect(try await f.load(4) == 0)
        let again = try await f.claim(routes: ["a", "b"])
        #expect(again.room == "1" && again.route == "b", "still the oldest, still in b")
    }

    @Test func aRequeuedRoomWithoutAnArrivalTimeGoesAheadOfItsRoutesHead() async throws {
        let f = try StoreFixture(routes: ["b"])
        try await f.enqueue("1", route: "b")
        try await f.enqueue("2", route: "b")
        try await f.enqueue("3")
        _ = try await f.claim(token: "t", routes: ["b"])
        try await f.redis.execute(["HDEL", f.keys.since, "1"])
        let head = try #require(try await f.score("2", in: "b"))
        #expect(try await f.store.run(Rollback(room: "1", token: "t", agent: nil, to: .requeue, route: "b")).code == .requeued)
        #expect(try await f.score("1", in: "b") == head - 1)
        #expect(try await f.queue(Keyspace.defaultRoute) == ["3"])
    }

    /// A room claimed from route b whose worker died: its lease expires, recover puts it back in b's queue at its
    /// place, keeping its reservation, and the next claim answers route b.
    @Test func aRoomKeepsItsRouteAcrossCrashRecovery() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        try await f.enqueue("1", route: "b")
        try await f.enqueue("2", route: "a")
        try await f.enqueue("3", route: "b")
        let arrival = try #require(try await f.arrival("1"))
        let crashed = try await f.claim(token: "crashed", lease: 1, routes: ["a", "b"])
        #expect(crashed.room == "1" && crashed.route == "b")
        #expect(try await f.reserve("1", token: "crashed", own: [.init(id: 7, reportedLoad: 0)]).code == .reserved)
        try await Task.sleep(for: .milliseconds(20))
        let recovered = try await f.store.run(Recover(batch: 10))
        #expect(recovered.code == .recovered && recovered.rooms == ["1"])
        #expect(try await f.queue("b") == ["1", "3"])
        #expect(try await f.queue("a") == ["2"])
        #expect(try await f.queue(Keyspace.defaultRoute).isEmpty)
        #expect(try await f.score("1", in: "b") == arrival)
        #expect(try await f.route(of: "1") == "b")
        #expect(try await f.snapshot().agents["1"] == 7, "the reservation is kept")

        let next = try await f.claim(token: "next", routes: ["a", "b"])
        #expect(next.room == "1" && next.route == "b" && next.reservedAgent == 7 && next.remaining == 1)
        let again = try await f.reserve("1", token: "next", own: [.init(id: 8, reportedLoad: 0)])
        #expect(again.code == .alreadyReserved && again.agent == 7 && again.load == 1)
        #expect(try await f.store.run(Commit(room: "1", token: "next", agent: 7)).code == .committed)
        #expect(try await f.hash(f.keys.served) == ["b": "1"])
    }

    @Test func aRecoveredRoomOfARouteTheStoreDoesNotKnowGoesToTheDefaultQueue() async throws {
        let f = try StoreFixture(routes: ["a"])
        try await f.enqueue("1", route: "gone")
        try await f.enqueue("2")
        _ = try await f.claim(token: "t", lease: 1, routes: ["gone"])
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await f.store.run(Recover(batch: 10)).rooms == ["1"])
        #expect(try await f.queue(Keyspace.defaultRoute) == ["1", "2"], "at its place in line, ahead of room 2")
        #expect(try await f.queue("gone").isEmpty)
        #expect(try await f.state("1") == "q")
    }

    @Test func aRevivedRoomGoesBackToItsRoutesQueueOrTheDefaultOne() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        for (room, route) in [("1", "b"), ("2", "gone"), ("3", "a")] {
            let token = try await f.claimed(room, route: route)
            try await f.store.run(Rollback(room: room, token: token, agent: nil, to: .dead(reason: "x"), route: route))
        }
        try await f.enqueue("4", route: "b")
        let arrival = try #require(try await f.arrival("1"))
        let one = try await f.store.run(Revive(room: "1"))
        #expect(one.code == .revived && one.rooms == ["1"])
        #expect(try await f.queue("b") == ["1", "4"])
        #expect(try await f.score("1", in: "b") == arrival)
        let rest = try await f.store.run(Revive())
        #expect(rest.code == .revived && Set(rest.rooms) == ["2", "3"])
        #expect(try await f.queue("a") == ["3"])
        #expect(try await f.queue(Keyspace.defaultRoute) == ["2"])
        #expect(try await f.queue("gone").isEmpty)
        #expect(try await f.snapshot().dead.isEmpty)
    }

    @Test func releaseTakesTheRoomOutOfItsRoutesQueueAndForgetsItsRoute() async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        try await f.assigned("4", to: 7, route: "b")
        try await f.claimed("5", route: "a")
        try await f.enqueue("1", route: "b")
        try await f.enqueue("2", route: "a")
        try await f.enqueue("3", route: "b")
        #expect(try await f.store.run(Release(room: "1")).code == .dequeued)
        #expect(try await f.queue("b") == ["3"])
        #expect(try await f.queue("a") == ["2"])
        #expect(try await f.route(of: "1") == nil)
        let released = try await f.store.run(Release(room: "4"))
        #expect(released.code == .released && released.agent == 7)
        #expect(try await f.route(of: "4") == nil)
        #expect(try await f.load(7) == 0)
        #expect(try await f.store.run(Release(room: "5")).code == .dequeuedInFlight)
        #expect(try await f.route(of: "5") == nil)
        #expect(try await f.hash(f.keys.route) == ["2": "a", "3": "b"])
    }

    @Test func nudgeCountsTheRoomsOfEveryRoute() async throws {
        let f = try StoreFixture(routes: ["a", "b", "c"])
        let idle = try await f.store.run(Nudge())
        #expect(idle.code == .idle && idle.queued == 0)
        try await f.enqueue("1", route: "b")
        try await f.redis.execute(["DEL", f.keys.wake])
        let nudged = try await f.store.run(Nudge())
        #expect(nudged.code == .nudged && nudged.queued == 1, "only a route's room waits")
        #expect(try await f.wakeTokens() == ["c"])
        try await f.enqueue("2", route: "b")
        try await f.enqueue("3", route: "a")
        try await f.enqueue("4")
        #expect(try await f.store.run(Nudge()).queued == 4)
    }

    /// The scripts that take every route check the list of route queues after their fixed keys the same way.
    @Test(arguments: [Recover.name, Revive.name, Release.name, Nudge.name])
    func theScriptsThatTakeEveryRouteRefuseABadRouteList(script: String) async throws {
        let f = try StoreFixture(routes: ["a", "b"])
        try await f.enqueue("1", route: "a")
        try await f.enqueue("2")
        let cases: [(routes: [String], names: [String], text: String)] = [
            (["a"], ["A"], "route must"), (["a"], [""], "route must"), (["a", "b"], ["a"], "routes must"),
            (["a"], ["a", "b"], "routes must"), (["a", "a"], ["a", "a"], "given twice"),
            ([Keyspace.defaultRoute], [Keyspace.defaultRoute], "given twice"),
            ((1...65).map { "r\($0)" }, (1...65).map { "r\($0)" }, "routes must"),
        ]
        func check<Script: AllocationScript>(_ type: Script.Type, _ arguments: [String]) async throws {
            for bad in cases {
                let keys = type.keys.map { f.keys[$0] } + bad.routes.map { f.keys.queue(route: $0) }
                try await f.expectRefusal(type, arguments + bad.names, keys: keys, mentioning: bad.text)
            }
            // 64 routes (besides default) are accepted.
            let many = (1...64).map { "r\($0)" }
            let reply = try await f.raw(type, arguments + many, keys: type.keys.map { f.keys[$0] } + many.map { f.keys.queue(route: $0) })
            #expect((reply.array?.first?.int ?? -1) >= 0, "\(reply)")
        }
        switch script {
        case Recover.name: try await check(Recover.self, ["10", "8"])
        case Revive.name: try await check(Revive.self, ["", "10", "8"])
        case Release.name: try await check(Release.self, ["9", "", "8"])
        default: try await check(Nudge.self, ["8"])
        }
    }
}
