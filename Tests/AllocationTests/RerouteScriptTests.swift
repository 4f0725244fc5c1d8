import Allocation
import Foundation
import Redis
import Testing

/// `lua/reroute.lua`: the rooms queued in a route that left the routes file move to the default queue.
@Suite struct RerouteScriptTests {
    @Test func movesTheQueuedRoomsToTheDefaultQueueAtTheirPlaceInLine() async throws {
        let f = try StoreFixture(routes: ["a"])
        for (room, route) in [("1", "gone"), ("2", Keyspace.defaultRoute), ("3", "gone"), ("4", Keyspace.defaultRoute)] {
            try await f.enqueue(room, route: route)
        }
        let arrivals = [try await f.score("1", in: "gone"), try await f.score("3", in: "gone")]
        try await f.redis.execute(["DEL", f.keys.wake])
        let moved = try await f.reroute("gone")
        #expect(moved == (.moved, 2, 0))
        #expect(try await f.queue(Keyspace.defaultRoute) == ["1", "2", "3", "4"])
        #expect(try await f.queue("gone").isEmpty)
        #expect([try await f.score("1", in: Keyspace.defaultRoute), try await f.score("3", in: Keyspace.defaultRoute)] == arrivals)
        #expect(try await f.route(of: "1") == nil)
        #expect(try await f.route(of: "3") == nil)
        #expect(try await f.wakeTokens() == ["q"], "one token for the moved rooms")
        #expect(try await f.routeNames() == ["gone"], "the name stays until the queue is found empty")
        #expect(try await f.reroute("gone") == (.empty, 0, 0))
        #expect(try await f.routeNames().isEmpty)
        #expect(try await f.claim().room == "1")
    }

    @Test func movesAtMostABatchPerCall() async throws {
        let f = try StoreFixture()
        for room in ["1", "2", "3"] { try await f.enqueue(room, route: "gone") }
        #expect(try await f.reroute("gone", batch: 2) == (.moved, 2, 1))
        #expect(try await f.queue(Keyspace.defaultRoute) == ["1", "2"])
        #expect(try await f.queue("gone") == ["3"])
        #expect(try await f.reroute("gone", batch: 2) == (.moved, 1, 0))
        #expect(try await f.store.run(Reroute(route: "gone", batch: 2)).code == .empty)
    }

    @Test func dropsEntriesOfRoomsNotQueuedAndWakesNobodyForThem() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1", route: "gone")
        try await f.redis.execute(["HSET", f.keys.state, "1", "f"]) // damaged by hand
        try await f.redis.execute(["ZADD", f.keys.queue(route: "gone"), "5", "9"]) // nothing recorded for room 9
        try await f.redis.execute(["DEL", f.keys.wake])
        #expect(try await f.reroute("gone") == (.moved, 0, 0))
        #expect(try await f.queue("gone").isEmpty)
        #expect(try await f.queue(Keyspace.defaultRoute).isEmpty)
        #expect(try await f.wakeTokens().isEmpty)
        #expect(try await f.state("1") == "f")
        #expect(try await f.store.run(Reroute(route: "gone")).code == .empty)
        #expect(try await f.routeNames().isEmpty)
    }

    /// A room of the removed route is resolved by an instance that no longer knows the route (release takes it
    /// out of the default queue, so its entry stays in the removed route's queue), then its customer writes
    /// again and the new session is queued in another route: reroute must not move that room too.
    @Test func leavesARoomThatIsQueuedInAnotherRouteNow() async throws {
        let f = try StoreFixture(routes: ["sales"])
        try await f.enqueue("1", session: "1", route: "gone")
        #expect(try await f.store.run(Release(room: "1", sessionFloor: "2")).code == .dequeued)
        #expect(try await f.queue("gone") == ["1"], "the stale entry this test is about")
        #expect(try await f.enqueue("1", session: "2", route: "sales") == .queued)
        try await f.enqueue("2", session: "1", route: "gone")
        let moved = try await f.reroute("gone")
        #expect(moved == (.moved, 1, 0), "room 2 moves, room 1's stale entry is dropped")
        #expect(try await f.queue("sales") == ["1"])
        #expect(try await f.route(of: "1") == "sales")
        #expect(try await f.queue(Keyspace.defaultRoute) == ["2"], "room 1 is not queued twice")
    }

    @Test func refusesToRemoveTheDefaultRoute() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.expectRefusal(Reroute.self, [Keyspace.defaultRoute, "10", "8"], mentioning: "default route")
        await #expect(throws: ScriptError.self) { try await f.store.run(Reroute(route: Keyspace.defaultRoute)) }
        #expect(try await f.queue(Keyspace.defaultRoute) == ["1"])
    }

    @Test(arguments: [
        (["Gone", "10", "8"], "route"), (["", "10", "8"], "route"), (["gone", "0", "8"], "batch"),
        (["gone", "1001", "8"], "batch"), (["gone", "x", "8"], "batch"), (["gone", "10", "0"], "wake cap"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture(routes: ["gone"])
        try await f.enqueue("1", route: "gone")
        let keys = Reroute(route: "gone").keys(in: f.keys)
        try await f.expectRefusal(Reroute.self, arguments, keys: keys, mentioning: text)
        #expect(try await f.queue("gone") == ["1"])
    }
}
