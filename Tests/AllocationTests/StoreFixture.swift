import Allocation
import Foundation
import Redis
import Testing
import TestSupport

/// One app's keys on the shared test redis-server, with shortcuts for the steps every script test needs.
struct StoreFixture {
    let running: Running<RedisClient>
    let store: AllocationStore

    /// A store of `routes` (`default` is always among them) on the shared server unless `server` is given;
    /// `commandTimeout` (s) for a server that may be starved of CPU.
    init(server: RedisServerProcess? = nil, wakeCap: Int = 256, routes: [String] = [Keyspace.defaultRoute],
         commandTimeout: Double? = nil) throws {
        let server = try server ?? RedisServerProcess.shared
        var configuration = server.configuration()
        if let commandTimeout { configuration.commandTimeout = commandTimeout }
        running = Running(RedisClient(configuration: configuration))
        store = AllocationStore(keys: try Keyspace(prefix: "test", app: TestKeys.uniqueApp()), redis: running.service,
                                wakeCap: wakeCap, routes: routes)
    }

    /// A store on a Redis Cluster, its client seeded with a master that does not hold the app's slot.
    init(cluster: RedisCluster, commandTimeout: Double? = nil) throws {
        let masters = try cluster.masters()
        var app = TestKeys.uniqueApp()
        while masters[0].serves(RedisKeySlot.slot(of: "test:{\(app)}:queue")) { app = TestKeys.uniqueApp() }
        var configuration = cluster.configuration(port: masters[0].port)
        if let commandTimeout { configuration.commandTimeout = commandTimeout }
        running = Running(RedisClient(configuration: configuration))
        store = AllocationStore(keys: try Keyspace(prefix: "test", app: app), redis: running.service)
    }

    /// Another instance's view of the same app: the same keys and client, with its own routes file.
    init(sharing other: StoreFixture, routes: [String]) {
        running = other.running
        store = AllocationStore(keys: other.keys, redis: other.redis, wakeCap: other.store.wakeCap, routes: routes)
    }

    /// The client every call of the fixture goes through.
    var redis: RedisClient { running.service }

    var keys: Keyspace { store.keys }

    func snapshot() async throws -> StoreSnapshot { try await store.snapshot() }

    @discardableResult
    func enqueue(_ room: String, session: String = "0", route: String = Keyspace.defaultRoute) async throws -> Enqueue.Code {
        try await store.run(Enqueue(room: room, session: session, route: route)).code
    }

    func claim(token: String = UUID().uuidString, lease: Int = 30_000,
               routes: [String] = [Keyspace.defaultRoute]) async throws -> Claim.Outcome {
        try await store.run(Claim(token: token, leaseMilliseconds: lease, routes: routes))
    }

    /// Enqueues `room` in `route` and claims it from that route (it must be the only room queued there); returns
    /// the lease token.
    @discardableResult
    func claimed(_ room: String, session: String = "0", lease: Int = 30_000,
                 route: String = Keyspace.defaultRoute) async throws -> String {
        try await enqueue(room, session: session, route: route)
        let token = UUID().uuidString
        let result = try await claim(token: token, lease: lease, routes: [route])
        try #require(result.code == .claimed && result.room == room, "claim of \(room): \(result)")
        return token
    }

    func reserve(_ room: String, token: String, limit: Int = 2, strategy: AllocationStrategy = .leastLoaded,
                 _ candidates: [(Int, Int)]) async throws -> Reserve.Outcome {
        try await store.run(Reserve(room: room, token: token, limit: limit, strategy: strategy,
                                    candidates: candidates.map { AgentCandidate(id: $0.0, reportedLoad: $0.1) }))
    }

    /// Enqueues, claims, reserves the given agent (the only candidate) and commits: the room is assigned.
    @discardableResult
    func assigned(_ room: String, to agent: Int, session: String = "0") async throws -> String {
        let token = try await claimed(room, session: session)
        let reserved = try await reserve(room, token: token, [(agent, 0)])
        try #require(reserved.code == .reserved && reserved.agent == agent, "reserve of \(room): \(reserved)")
        try #require(try await store.run(Commit(room: room, token: token, agent: agent)).code == .committed)
        return token
    }

    /// Runs a script with raw arguments (to reach the argument checks the typed API can not produce), with its
    /// fixed keys (and, for a script that takes every route, the store's other routes' queues) unless given.
    func raw<Script: AllocationScript>(_ script: Script.Type, _ arguments: [String], keys: [String]? = nil) async throws -> RedisReply {
        let fixed = Script.keys.map { store.keys[$0] }
        let keys = keys ?? (Script.takesEveryRoute ? fixed + store.otherRoutes.map { store.keys.queue(route: $0) } : fixed)
        return try await redis.run(Script.lua, keys: keys, arguments: arguments)
    }

    /// Runs a script with raw arguments and expects `{-1, message}` (message containing `text`) and no write.
    func expectRefusal<Script: AllocationScript>(_ script: Script.Type, _ arguments: [String], keys: [String]? = nil,
                                                 mentioning text: String,
                                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let before = try await snapshot()
        let everything = try await dump()
        let reply = try await raw(script, arguments, keys: keys)
        #expect(isInvalid(reply, mentioning: text), "\(reply)", sourceLocation: sourceLocation)
        #expect(try await snapshot() == before, "nothing written", sourceLocation: sourceLocation)
        #expect(try await dump() == everything, "nothing written to any key of the app", sourceLocation: sourceLocation)
    }

    /// Whether a raw call answered `{-1, message}` with a message containing `text`.
    func isInvalid(_ reply: RedisReply, mentioning text: String) -> Bool {
        guard let elements = reply.array, elements.first?.int == -1 else { return false }
        return elements.count > 1 && (elements[1].string ?? "").contains(text)
    }

    /// Expects `body` to throw the lease-lost answer of `script`.
    func expectLeaseLost<T>(_ script: any AllocationScript.Type, sourceLocation: SourceLocation = #_sourceLocation,
                            _ body: () async throws -> T) async {
        await #expect(throws: ScriptError.leaseLost(script: script.name), sourceLocation: sourceLocation) {
            _ = try await body()
        }
    }

    /// The state letter of a room (`q`, `f`, `a`, `d`), or nil.
    func state(_ room: String) async throws -> String? {
        try await redis.execute(["HGET", keys.state, room]).string
    }

    /// Our load of an agent (0 when absent).
    func load(_ agent: Int) async throws -> Int {
        Int(try await redis.execute(["HGET", keys.load, String(agent)]).int ?? 0)
    }
}
