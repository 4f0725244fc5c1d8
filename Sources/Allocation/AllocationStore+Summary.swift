import Redis

extension AllocationStore {
    /// Queue length, rooms in flight, dead rooms and agent loads, read in one pipeline (no `MULTI`: a Redis out
    /// of memory refuses a transaction's reads too, and the status page is wanted most then).
    public func summary() async throws -> StoreSummary {
        try summary(from: try await redis.pipeline(summaryCommands))
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
        try summary(from: try redis.pipelineWaiting(summaryCommands))
    }

    /// ``deadRooms(limit:)`` for a thread that is not a task's.
    public func deadRoomsWaiting(limit: Int = 100) throws -> [DeadRoom] {
        let rooms = Self.rooms(from: try redis.executeWaiting(deadRoomsCommand(limit: limit)))
        guard !rooms.isEmpty else { return [] }
        return Self.deadRooms(rooms, reasons: try redis.executeWaiting(reasonsCommand(rooms)))
    }

    // MARK: - Commands and decoding, once

    /// Rooms in flight, dead rooms, loads, rooms served per route and the clock, then per route its queue's length
    /// and head and its minute ring.
    private var summaryCommands: [[String]] {
        [["ZCARD", keys.lease], ["ZCARD", keys.dead], ["HGETALL", keys.load], ["HGETALL", keys.served], ["TIME"]]
            + routes.flatMap { route in
                [["ZCARD", keys.queue(route: route)], ["ZRANGE", keys.queue(route: route), "0", "0", "WITHSCORES"],
                 ["HGETALL", keys.stats(route: route)]]
            }
    }

    private func summary(from replies: [RedisReply]) throws -> StoreSummary {
        let results = try replies.map { try RedisClient.checked($0) }
        guard results.count == 5 + 3 * routes.count else { throw RedisError.unexpectedReply("the summary") }
        let loads = Self.counts(results[2]).reduce(into: [Int: Int]()) { loads, entry in
            if let agent = Int(entry.key) { loads[agent] = entry.value }
        }
        let served = Self.counts(results[3])
        let nowMicroseconds = results[4].timeMicroseconds
        let lines = routes.enumerated().map { index, route in
            let arrival = results[6 + 3 * index].pairs.first.flatMap { Double($0.1) }
            var waited: Int?
            if let arrival, let nowMicroseconds { waited = max(0, (nowMicroseconds - Int(arrival)) / 1000) }
            let minutes = nowMicroseconds.map { Self.minutes(of: results[7 + 3 * index].fields, nowMicroseconds: $0) } ?? []
            return RouteSummary(name: route, queued: Int(results[5 + 3 * index].int ?? 0), oldestWaitMilliseconds: waited,
                                served: served[route] ?? 0, minutes: minutes)
        }
        return StoreSummary(queued: lines.map(\.queued).reduce(0, +), inFlight: Int(results[0].int ?? 0),
                            dead: Int(results[1].int ?? 0), loads: loads, routes: lines)
    }

    /// A hash of whole numbers read with `HGETALL`.
    private static func counts(_ reply: RedisReply) -> [String: Int] {
        reply.fields.compactMapValues { Int($0) }
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
