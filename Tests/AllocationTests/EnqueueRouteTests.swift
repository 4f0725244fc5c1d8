import Allocation
import Foundation
import Redis
import Testing

/// `lua/enqueue.lua` with routes: the queue a room goes to, its route field and the `routes` set.
@Suite struct EnqueueRouteTests {
    @Test func aRoomQueuesInItsRoutesQueueAndKeepsItsRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        #expect(try await f.enqueue("1", route: "sales") == .queued)
        #expect(try await f.enqueue("2", route: "support") == .queued)
        #expect(try await f.enqueue("3") == .queued)
        #expect(try await f.queue("sales") == ["1"])
        #expect(try await f.queue("support") == ["2"])
        #expect(try await f.queue(Keyspace.defaultRoute) == ["3"])
        #expect(try await f.hash(f.keys.route) == ["1": "sales", "2": "support"], "default rooms have no field")
        #expect(try await f.routeNames() == ["sales", "support"], "default is never in the routes set")
        let snapshot = try await f.snapshot()
        #expect(snapshot.states == ["1": "q", "2": "q", "3": "q"] && snapshot.timed == ["1", "2", "3"])
        #expect(try await f.score("1", in: "sales") == f.arrival("1"), "its place in line is its arrival time")
        #expect(try await f.wakeTokens() == ["q", "q", "q"], "every route's room wakes a worker")
    }

    @Test func aDuplicateKeepsTheFirstRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        #expect(try await f.enqueue("1", session: "5", route: "sales") == .queued)
        let everything = try await f.dump(extraRoutes: ["support"])
        #expect(try await f.enqueue("1", session: "5", route: "support") == .duplicate)
        #expect(try await f.enqueue("1", session: "5") == .duplicate)
        #expect(try await f.dump(extraRoutes: ["support"]) == everything, "a duplicate changes nothing")
        #expect(try await f.enqueue("1", session: "6", route: "support") == .duplicate)
        #expect(try await f.route(of: "1") == "sales")
        #expect(try await f.queue("sales") == ["1"])
        #expect(try await f.queue("support").isEmpty)
        #expect(try await f.routeNames() == ["sales"])
        // In flight too: the room comes back to the queue it was claimed from.
        _ = try await f.claim(routes: ["sales"])
        #expect(try await f.enqueue("1", session: "7", route: "support") == .duplicate)
        #expect(try await f.route(of: "1") == "sales")
    }

    @Test func aNewSessionTakesTheNewRouteAndDefaultDeletesTheField() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        try await f.assigned("1", to: 7, route: "sales")
        #expect(try await f.route(of: "1") == "sales", "an assigned room keeps its route")
        #expect(try await f.enqueue("1", session: "0", route: "sales") == .alreadyAssigned)
        #expect(try await f.enqueue("1", session: "2", route: "support") == .queuedNewSession)
        #expect(try await f.route(of: "1") == "support")
        #expect(try await f.queue("support") == ["1"])
        #expect(try await f.queue("sales").isEmpty)
        #expect(try await f.load(7) == 0, "the missed resolve is healed")
        // Served again in support, then a session that matched no route: default, no field.
        let token = UUID().uuidString
        #expect(try await f.claim(token: token, routes: ["support"]).room == "1")
        #expect(try await f.reserve("1", token: token, own: [.init(id: 7, reportedLoad: 0)]).code == .reserved)
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 7)).code == .committed)
        #expect(try await f.enqueue("1", session: "3") == .queuedNewSession)
        #expect(try await f.route(of: "1") == nil)
        #expect(try await f.queue(Keyspace.defaultRoute) == ["1"])
        #expect(try await f.queue("support").isEmpty)
        #expect(try await f.routeNames() == ["sales", "support"], "the routes set only grows (reroute shrinks it)")
    }

    @Test func aDeadRoomWhoseCustomerWritesAgainTakesTheNewRoute() async throws {
        let f = try StoreFixture(routes: ["sales", "support"])
        let token = try await f.claimed("1", route: "sales")
        #expect(try await f.store.run(Rollback(room: "1", token: token, agent: nil, to: .dead(reason: "boom"), route: "sales"))
            .code == .dead)
        #expect(try await f.route(of: "1") == "sales", "a dead room keeps its route (revive puts it back there)")
        #expect(try await f.enqueue("1", session: "1", route: "support") == .queued)
        #expect(try await f.route(of: "1") == "support")
        #expect(try await f.queue("support") == ["1"])
        #expect(try await f.queue("sales").isEmpty)
    }

    @Test(arguments: [
        ["1", "0", "8", ""], ["1", "0", "8", "Sales"], ["1", "0", "8", "-sales"], ["1", "0", "8", "_sales"],
        ["1", "0", "8", "sa les"], ["1", "0", "8", "sales:x"], ["1", "0", "8", String(repeating: "s", count: 33)],
        ["1", "0", "8"],
    ])
    func refusesABadRouteWithoutWriting(arguments: [String]) async throws {
        let f = try StoreFixture(routes: ["sales"])
        try await f.enqueue("2", route: "sales")
        try await f.expectRefusal(Enqueue.self, arguments, mentioning: "route")
    }

    @Test func theLongestRouteNameIsAccepted() async throws {
        let name = "0" + String(repeating: "a-_", count: 10) + "z"
        let f = try StoreFixture(routes: [name])
        #expect(name.count == 32)
        #expect(try await f.enqueue("1", route: name) == .queued)
        #expect(try await f.queue(name) == ["1"])
        #expect(try await f.route(of: "1") == name)
    }
}
