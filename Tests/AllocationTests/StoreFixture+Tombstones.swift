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

    /// Allocates and resolves every room of `rooms` through the scripts (enqueue, claim, reserve, commit, release
    /// with session floor `floor`), `window` rooms at once so the client pipelines their calls; one agent per
    /// `agents` takes them (limit 10000 each).
    func playRound(_ rooms: Range<Int>, floor: String = "1", agents: Int = 4, window: Int = 256) async throws {
        let candidates = (1...agents).map { AgentCandidate(id: $0, reportedLoad: 0, limit: 10_000) }
        let store = store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, number) in rooms.enumerated() {
                if index >= window { try await group.next() }
                let room = String(number)
                group.addTask {
                    try await Self.allocateAndResolve(room, store: store, candidates: candidates, floor: floor)
                }
            }
            try await group.waitForAll()
        }
    }

    /// One room's life: queued, claimed (whichever room is oldest: the queue never runs dry, as each claim follows
    /// its own enqueue), reserved, committed and resolved.
    private static func allocateAndResolve(_ room: String, store: AllocationStore, candidates: [AgentCandidate],
                                           floor: String) async throws {
        try #require(try await store.run(Enqueue(room: room, session: "0")).code == .queued)
        let token = UUID().uuidString
        let claimed = try await store.run(Claim(token: token, leaseMilliseconds: 60_000))
        let picked = try #require(claimed.room, "claim: \(claimed)")
        let reserved = try await store.run(Reserve(room: picked, token: token, limit: 10_000, candidates: candidates))
        let agent = try #require(reserved.agent, "reserve: \(reserved)")
        try #require(try await store.run(Commit(room: picked, token: token, agent: agent)).code == .committed)
        try #require(try await store.run(Release(room: picked, sessionFloor: floor)).code == .released)
    }
}
