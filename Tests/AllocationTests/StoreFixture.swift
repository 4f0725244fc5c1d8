import Allocation
import Foundation
import Redis
import Testing
import TestSupport

/// One app's keys on the shared test redis-server, with shortcuts for the steps every script test needs.
struct StoreFixture {
    let redis: RedisConnection
    /// The same server for tasks (the worker's calls).
    let multiplexer: RedisMultiplexer
    let store: AllocationStore

    init(server: RedisServerProcess? = nil, wakeCap: Int = 256) throws {
        let server = try server ?? RedisServerProcess.shared
        redis = server.connect()
        multiplexer = RedisMultiplexer(configuration: server.configuration())
        store = AllocationStore(keys: try Keyspace(prefix: "test", app: TestKeys.uniqueApp()), wakeCap: wakeCap)
    }

    var keys: Keyspace { store.keys }

    func snapshot() throws -> StoreSnapshot { try store.snapshot(on: redis) }

    @discardableResult
    func enqueue(_ room: String, session: String = "0") throws -> EnqueueCode {
        try store.enqueue(room: room, session: session, on: redis)
    }

    func claim(token: String = UUID().uuidString, lease: Int = 30_000) throws -> ScriptResult<ClaimCode> {
        try store.claim(token: token, leaseMilliseconds: lease, on: redis)
    }

    /// Enqueues `room` and claims it (it must be the only queued room); returns the lease token.
    @discardableResult
    func claimed(_ room: String, session: String = "0", lease: Int = 30_000) throws -> String {
        try enqueue(room, session: session)
        let token = UUID().uuidString
        let result = try claim(token: token, lease: lease)
        try #require(result.code == .claimed && result.room == room, "claim of \(room): \(result)")
        return token
    }

    func reserve(_ room: String, token: String, limit: Int = 2, strategy: AllocationStrategy = .leastLoaded,
                 _ candidates: [(Int, Int)]) throws -> ScriptResult<ReserveCode> {
        try store.reserve(room: room, token: token, limit: limit, strategy: strategy,
                          candidates: candidates.map { AgentCandidate(id: $0.0, reportedLoad: $0.1) }, on: redis)
    }

    /// Enqueues, claims, reserves the given agent (the only candidate) and commits: the room is assigned.
    @discardableResult
    func assigned(_ room: String, to agent: Int, session: String = "0") throws -> String {
        let token = try claimed(room, session: session)
        let reserved = try reserve(room, token: token, [(agent, 0)])
        try #require(reserved.code == .reserved && reserved.agent == agent, "reserve of \(room): \(reserved)")
        try #require(try store.commit(room: room, token: token, agent: agent, on: redis).code == .committed)
        return token
    }

    /// Runs a script with raw arguments (to reach the argument checks the typed API can not produce).
    func raw(_ script: RedisScript, keys: [String], _ arguments: [String]) throws -> RedisReply {
        try script.run(on: redis, keys: keys, arguments: arguments)
    }

    /// Runs a script with raw arguments and expects `{-1, message}` (message containing `text`) and no write.
    func expectRefusal(_ script: RedisScript, _ arguments: [String], mentioning text: String,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try snapshot()
        let reply = try raw(script, keys: keys.keys(of: script.name), arguments)
        #expect(isInvalid(reply, mentioning: text), "\(reply)", sourceLocation: sourceLocation)
        #expect(try snapshot() == before, "nothing written", sourceLocation: sourceLocation)
    }

    /// Whether a raw call answered `{-1, message}` with a message containing `text`.
    func isInvalid(_ reply: RedisReply, mentioning text: String) -> Bool {
        guard let elements = reply.array, elements.first?.int == -1 else { return false }
        return elements.count > 1 && (elements[1].string ?? "").contains(text)
    }

    /// The state letter of a room (`q`, `f`, `a`, `d`), or nil.
    func state(_ room: String) throws -> String? {
        try redis.execute(["HGET", keys.state, room]).string
    }

    /// Our load of an agent (0 when absent).
    func load(_ agent: Int) throws -> Int {
        Int(try redis.execute(["HGET", keys.load, String(agent)]).int ?? 0)
    }
}
