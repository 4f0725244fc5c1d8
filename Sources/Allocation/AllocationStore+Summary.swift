import Redis

extension AllocationStore {
    /// Queue length, rooms in flight, dead rooms and agent loads, read in one pipeline (no `MULTI`: a Redis out
    /// of memory refuses a transaction's reads too, and the status page is wanted most then).
    public func summary() async throws -> StoreSummary {
        try Self.summary(from: try await redis.pipeline(summaryCommands))
    }

    /// Dead rooms (oldest first, at most `limit`) with their reasons.
    public func deadRooms(limit: Int = 100) async throws -> [DeadRoom] {
        let rooms = Self.rooms(from: try await redis.execute(deadRoomsCommand(limit: limit)))
        guard !rooms.isEmpty else { return [] }
        return Self.deadRooms(rooms, reasons: try await redis.execute(reasonsCommand(rooms)))
    }

    // MARK: - For threads a C library owns (libmicrohttpd's handlers): the same reads, waited on.

    /// ``summary()`` for a thread that is not a task's.
    public func summaryWaiting() throws -> StoreSummary {
        try Self.summary(from: try redis.pipelineWaiting(summaryCommands))
    }

    /// ``deadRooms(limit:)`` for a thread that is not a task's.
    public func deadRoomsWaiting(limit: Int = 100) throws -> [DeadRoom] {
        let rooms = Self.rooms(from: try redis.executeWaiting(deadRoomsCommand(limit: limit)))
        guard !rooms.isEmpty else { return [] }
        return Self.deadRooms(rooms, reasons: try redis.executeWaiting(reasonsCommand(rooms)))
    }

    // MARK: - Commands and decoding, once

    private var summaryCommands: [[String]] {
        [["ZCARD", keys.queue], ["ZCARD", keys.lease], ["ZCARD", keys.dead], ["HGETALL", keys.load]]
    }

    private static func summary(from replies: [RedisReply]) throws -> StoreSummary {
        let results = try replies.map { try RedisClient.checked($0) }
        guard results.count == 4 else { throw RedisError.unexpectedReply("the summary") }
        let flat = results[3].array?.compactMap(\.string) ?? []
        var loads: [Int: Int] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let agent = Int(flat[index]), let load = Int(flat[index + 1]) { loads[agent] = load }
        }
        return StoreSummary(queued: Int(results[0].int ?? 0), inFlight: Int(results[1].int ?? 0),
                            dead: Int(results[2].int ?? 0), loads: loads)
    }

    private func deadRoomsCommand(limit: Int) -> [String] { ["ZRANGE", keys.dead, "0", String(max(0, limit - 1))] }

    private func reasonsCommand(_ rooms: [String]) -> [String] { ["HMGET", keys.reason] + rooms }

    private static func rooms(from reply: RedisReply) -> [String] { reply.array?.compactMap(\.string) ?? [] }

    private static func deadRooms(_ rooms: [String], reasons reply: RedisReply) -> [DeadRoom] {
        let reasons = reply.array ?? []
        return rooms.enumerated().map { index, room in
            DeadRoom(room: room, reason: reasons.indices.contains(index) ? reasons[index].string ?? "" : "")
        }
    }
}
