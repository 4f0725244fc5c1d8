import Redis

extension AllocationStore {
    /// Every agent Redis knows of (listed once, holding rooms, or with an override or pause), by id. Plain reads
    /// in one pipeline, for libmicrohttpd's threads (the admin API).
    public func agentRecordsWaiting() throws -> [AgentRecord] {
        let replies = try redis.pipelineWaiting(agentCommands).map { try RedisClient.checked($0) }
        guard replies.count == agentCommands.count else { throw RedisError.unexpectedReply("the agents") }
        let (cards, seen, loads, limits, paused) = (Self.fields(replies[0]), Self.fields(replies[1]),
                                                    Self.fields(replies[2]), Self.fields(replies[3]), Self.fields(replies[4]))
        let time = replies[5].array?.compactMap { $0.string.flatMap { Int($0) } } ?? []
        let now = time.count == 2 ? time[0] * 1000 + time[1] / 1000 : 0
        let ids = Set([cards, seen, loads, limits, paused].flatMap(\.keys)).compactMap { Int($0) }.sorted()
        return ids.map { id in
            let key = String(id)
            return AgentRecord(id: id, card: cards[key], seenMillisecondsAgo: seen[key].flatMap { Int($0) }.map { max(0, now - $0) },
                               load: loads[key].flatMap { Int($0) } ?? 0, limitOverride: limits[key].flatMap { Int($0) },
                               paused: paused[key] == "1")
        }
    }

    /// The rooms waiting in a route's queue, head first, at most `limit`, with their places in line.
    public func queuedRoomsWaiting(route: String, limit: Int) throws -> [QueuedRoom] {
        let replies = try redis.pipelineWaiting([
            ["ZRANGE", keys.queue(route: route), "0", String(max(0, limit - 1)), "WITHSCORES"], ["TIME"],
        ]).map { try RedisClient.checked($0) }
        let flat = replies[0].array?.compactMap(\.string) ?? []
        let time = replies[1].array?.compactMap { $0.string.flatMap { Int($0) } } ?? []
        let now = time.count == 2 ? time[0] * 1000 + time[1] / 1000 : 0
        return stride(from: 0, to: flat.count - 1, by: 2).map { index in
            let since = Int((Double(flat[index + 1]) ?? 0) / 1000)
            return QueuedRoom(position: index / 2 + 1, room: flat[index], route: route, waitingSinceMilliseconds: since,
                              waitedMilliseconds: max(0, now - since))
        }
    }

    private var agentCommands: [[String]] {
        [["HGETALL", keys.agents], ["HGETALL", keys.seen], ["HGETALL", keys.load], ["HGETALL", keys.limit],
         ["HGETALL", keys.paused], ["TIME"]]
    }

    /// A hash read with `HGETALL`, field -> value.
    private static func fields(_ reply: RedisReply) -> [String: String] {
        let flat = reply.array?.compactMap(\.string) ?? []
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) { fields[flat[index]] = flat[index + 1] }
        return fields
    }
}
