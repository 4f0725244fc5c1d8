import Redis

extension AllocationStore {
    /// Queue length, rooms in flight, dead rooms and agent loads, read in one `MULTI`/`EXEC`.
    public func summary(on connection: RedisConnection) throws -> StoreSummary {
        try connection.execute(["MULTI"])
        do {
            try connection.execute(["ZCARD", keys.queue])
            try connection.execute(["ZCARD", keys.lease])
            try connection.execute(["ZCARD", keys.dead])
            try connection.execute(["HGETALL", keys.load])
        } catch {
            _ = try? connection.send(["DISCARD"])
            throw error
        }
        guard let replies = try connection.execute(["EXEC"]).array, replies.count == 4 else {
            throw RedisError.unexpectedReply("EXEC of the summary")
        }
        let flat = replies[3].array?.compactMap(\.string) ?? []
        var loads: [Int: Int] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let agent = Int(flat[index]), let load = Int(flat[index + 1]) { loads[agent] = load }
        }
        return StoreSummary(queued: Int(replies[0].int ?? 0), inFlight: Int(replies[1].int ?? 0),
                            dead: Int(replies[2].int ?? 0), loads: loads)
    }

    /// Dead rooms (oldest first, at most `limit`) with their reasons.
    public func deadRooms(limit: Int = 100, on connection: RedisConnection) throws -> [(room: String, reason: String)] {
        let rooms = try connection.execute(["ZRANGE", keys.dead, "0", String(limit - 1)]).array?.compactMap(\.string) ?? []
        guard !rooms.isEmpty else { return [] }
        let reasons = try connection.execute(["HMGET", keys.reason] + rooms).array ?? []
        return rooms.enumerated().map { ($1, reasons.indices.contains($0) ? reasons[$0].string ?? "" : "") }
    }
}
