import Allocation
import Foundation
import Redis
import Testing

/// Shortcuts for the keys of routes: per-route queues, the route of a room, the keys only the route scripts
/// write, and a dump of every key of the app for "nothing written" checks.
extension StoreFixture {
    /// The rooms queued in a route, head first.
    func queue(_ route: String) async throws -> [String] {
        try await redis.execute(["ZRANGE", keys.queue(route: route), "0", "-1"]).array?.compactMap(\.string) ?? []
    }

    /// The score (arrival time, us) of a room in a route's queue, or nil when it is not there.
    func score(_ room: String, in route: String) async throws -> Int? {
        try await redis.execute(["ZSCORE", keys.queue(route: route), room]).int.map { Int($0) }
    }

    /// The arrival time (us) recorded for a room's session.
    func arrival(_ room: String) async throws -> Int? {
        try await redis.execute(["HGET", keys.since, room]).int.map { Int($0) }
    }

    /// The route field of a room (nil: `default`).
    func route(of room: String) async throws -> String? {
        try await redis.execute(["HGET", keys.route, room]).string
    }

    /// The names in the `routes` set.
    func routeNames() async throws -> Set<String> {
        Set(try await redis.execute(["SMEMBERS", keys.routes]).array?.compactMap(\.string) ?? [])
    }

    /// A whole hash of the app.
    func hash(_ key: String) async throws -> [String: String] {
        let flat = try await redis.execute(["HGETALL", key]).array?.compactMap(\.string) ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).reduce(into: [:]) { $0[flat[$1]] = flat[$1 + 1] }
    }

    /// The wake list, oldest token first.
    func wakeTokens() async throws -> [String] {
        try await redis.execute(["LRANGE", keys.wake, "0", "-1"]).array?.compactMap(\.string) ?? []
    }

    /// Redis's clock now, in us.
    func redisMicroseconds() async throws -> Int {
        let now = try await redis.execute(["TIME"]).array?.compactMap(\.int) ?? []
        try #require(now.count == 2)
        return Int(now[0]) * 1_000_000 + Int(now[1])
    }

    /// `DUMP` of every key of the app (the store's routes' queues and those of `extraRoutes` included): equal
    /// dumps mean nothing was written.
    func dump(extraRoutes: [String] = []) async throws -> [String: RedisReply] {
        var dumped: [String: RedisReply] = [:]
        for key in Set(keys.all(routes: store.routes + extraRoutes)) {
            dumped[key] = try await redis.execute(["DUMP", key])
        }
        return dumped
    }

    /// Reserves with own and overflow candidates (each with its route limit, or `limit` when it has none).
    func reserve(_ room: String, token: String, limit: Int = 2, strategy: AllocationStrategy = .leastLoaded,
                 own: [AgentCandidate], overflow: [AgentCandidate] = [],
                 overflowRoute: String? = nil) async throws -> Reserve.Outcome {
        try await store.run(Reserve(room: room, token: token, limit: limit, strategy: strategy, candidates: own,
                                    overflow: overflow, overflowRoute: overflowRoute))
    }

    /// Sets an agent's override (limit and/or pause); answers what is stored now.
    @discardableResult
    func override(_ agent: Int, limit: Override.LimitChange = .keep,
                  paused: Bool? = nil) async throws -> (limit: Int?, paused: Bool) {
        let outcome = try await store.run(Override(agent: agent, limit: limit, paused: paused))
        try #require(outcome.code == .stored)
        return (outcome.limit, outcome.paused)
    }

    /// Reroutes a removed route's rooms; answers the code, the rooms moved and the entries left.
    func reroute(_ route: String, batch: Int = 100) async throws -> (code: Reroute.Code, moved: Int, left: Int) {
        let outcome = try await store.run(Reroute(route: route, batch: batch))
        return (outcome.code, outcome.moved, outcome.left)
    }

    /// Enqueues `room` in `route`, claims it from there, reserves `agent` (route limit `limit`) and commits.
    @discardableResult
    func assigned(_ room: String, to agent: Int, route: String, limit: Int = 10) async throws -> String {
        let token = try await claimed(room, route: route)
        let reserved = try await reserve(room, token: token, own: [AgentCandidate(id: agent, reportedLoad: 0, limit: limit)])
        try #require(reserved.code == .reserved && reserved.agent == agent, "reserve of \(room): \(reserved)")
        try #require(try await store.run(Commit(room: room, token: token, agent: agent)).code == .committed)
        return token
    }

    /// The rooms reserved or assigned to an agent.
    func rooms(of agent: Int) async throws -> Set<String> {
        Set(try await hash(keys.agent).filter { $0.value == String(agent) }.keys)
    }
}
