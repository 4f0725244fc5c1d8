import Allocation
import Foundation
import Redis
import Testing

/// Shortcuts for the session tombstones (`tombstones`, `expire.lua`) and for what Redis keeps per room.
extension StoreFixture {
    /// The recorded time (ms, Redis clock) of a room's tombstone, if it has one.
    func tombstoneTime(_ room: String) async throws -> Int? {
        try await redis.execute(["ZSCORE", keys.tombstones, room]).string.flatMap { Int($0) }
    }

    /// Every room with a recorded tombstone time.
    func tombstoneRooms() async throws -> Set<String> {
        Set(try await redis.execute(["ZRANGE", keys.tombstones, "0", "-1"]).array?.compactMap(\.string) ?? [])
    }

    /// Redis's clock now, in ms.
    func redisMilliseconds() async throws -> Int { try await redisMicroseconds() / 1_000 }

    /// Runs `expire.lua` until nothing is due; answers the tombstones forgotten.
    @discardableResult
    func expireAll(ageMilliseconds: Int) async throws -> Int {
        var forgotten = 0
        while true {
            let answer = try await store.run(Expire(ageMilliseconds: ageMilliseconds, batch: Expire.maxBatch))
            forgotten += answer.forgotten
            if answer.due == 0 { return forgotten }
        }
    }

    /// The keys of the app that may hold an entry per room (a field of a hash, a member of a zset).
    static let perRoomKeys: [Keyspace.Name] = [
        .queue, .state, .session, .lease, .owner, .agent, .dead, .reason, .since, .assigned, .route, .notice,
        .tombstones,
    ]

    /// The keys of ``perRoomKeys`` that hold an entry of `room` (`queue` for the queue of any of the store's routes).
    func entries(of room: String) async throws -> Set<Keyspace.Name> {
        var found: Set<Keyspace.Name> = []
        let named = Self.perRoomKeys.map { ($0, keys[$0]) } + store.otherRoutes.map { (Keyspace.Name.queue, keys.queue(route: $0)) }
        for (name, key) in named {
            let type = try await redis.execute(["TYPE", key]).string ?? "none"
            let present: Bool = switch type {
            case "hash": try await redis.execute(["HEXISTS", key, room]).int == 1
            case "zset": try await redis.execute(["ZSCORE", key, room]).string != nil
            default: false
            }
            if present { found.insert(name) }
        }
        return found
    }

    /// Each key of the app that exists: its type and how many fields, members or entries it holds.
    func footprint() async throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for name in Keyspace.Name.allCases {
            let key = keys[name]
            let command: String? = switch try await redis.execute(["TYPE", key]).string ?? "none" {
            case "hash": "HLEN"
            case "zset": "ZCARD"
            case "list": "LLEN"
            case "set": "SCARD"
            case "string": "STRLEN"
            default: nil
            }
            guard let command else { continue }
            sizes[name.rawValue] = Int(try await redis.execute([command, key]).int ?? -1)
        }
        return sizes
    }

    /// The bytes Redis reports for every key of the app (`MEMORY USAGE <key> SAMPLES 0`: every element counted).
    func memoryUsage() async throws -> [String: Int] {
        var bytes: [String: Int] = [:]
        for name in Keyspace.Name.allCases {
            if let used = try await redis.execute(["MEMORY", "USAGE", keys[name], "SAMPLES", "0"]).int {
                bytes[name.rawValue] = Int(used)
            }
        }
        return bytes
    }

    /// Allocates and resolves every room of `rooms` through the scripts: enqueue, claim, reserve, commit and
    /// release with session floor `floor`, each step for `batch` rooms in one pipeline of `EVALSHA`s with the
    /// store's keys and arguments (few tasks, so the other suites running meanwhile are not starved). One of
    /// `agents` agents (limit 10000 each) takes each room.
    func playRound(_ rooms: Range<Int>, floor: String = "1", agents: Int = 4, batch: Int = 1_000) async throws {
        let candidates = (1...agents).map { AgentCandidate(id: $0, reportedLoad: 0, limit: 10_000) }
        for first in stride(from: rooms.lowerBound, to: rooms.upperBound, by: batch) {
            let part = (first..<min(first + batch, rooms.upperBound)).map { String($0) }
            try expectCodes(try await pipelined(part.map { Enqueue(room: $0, session: "0") }), Enqueue.Code.queued)
            let tokens = part.map { _ in UUID().uuidString }
            let claims = try await pipelined(tokens.map { Claim(token: $0, leaseMilliseconds: 60_000) })
            try expectCodes(claims, Claim.Code.claimed)
            let claimed = try claims.map { try #require($0.array?[1].string) }
            let reserves = try await pipelined(zip(claimed, tokens).map {
                Reserve(room: $0, token: $1, limit: 10_000, candidates: candidates)
            })
            try expectCodes(reserves, Reserve.Code.reserved)
            let reserved = try reserves.map { try #require($0.array?[1].string.flatMap { Int($0) }) }
            try expectCodes(try await pipelined(claimed.indices.map {
                Commit(room: claimed[$0], token: tokens[$0], agent: reserved[$0])
            }), Commit.Code.committed)
            try expectCodes(try await pipelined(claimed.map { Release(room: $0, sessionFloor: floor) }), Release.Code.released)
        }
    }

    /// Runs every script of `scripts` in one pipeline (`EVALSHA` with the store's keys and arguments); the raw replies.
    func pipelined<Script: AllocationScript>(_ scripts: [Script]) async throws -> [RedisReply] {
        let sha = try await Script.lua.load(on: redis)
        return try await redis.pipeline(scripts.map { script in
            let keys = store.keys(of: script)
            return ["EVALSHA", sha, String(keys.count)] + keys + store.arguments(of: script)
        })
    }

    /// Requires every reply to carry `code`.
    private func expectCodes<Code: RawRepresentable>(_ replies: [RedisReply], _ code: Code,
                                                     sourceLocation: SourceLocation = #_sourceLocation) throws
        where Code.RawValue == Int {
        for reply in replies {
            try #require(reply.array?.first?.int == Int64(code.rawValue), "\(reply)", sourceLocation: sourceLocation)
        }
    }
}
