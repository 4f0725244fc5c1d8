import Redis

extension AllocationStore {
    /// Every agent Redis knows of (listed once, holding rooms, or with an override or pause), by id. Plain reads
    /// in one pipeline, for libmicrohttpd's threads (the admin API).
    public func agentRecordsWaiting() throws -> [AgentRecord] {
        let replies = try redis.pipelineWaiting(agentCommands).map { try RedisClient.checked($0) }
        guard replies.count == agentCommands.count else { throw RedisError.unexpectedReply("the agents") }
        let (cards, seen, loads, limits, paused) = (replies[0].fields, replies[1].fields, replies[2].fields,
                                                    replies[3].fields, replies[4].fields)
        let now = (replies[5].timeMicroseconds ?? 0) / 1000
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
        let now = (replies[1].timeMicroseconds ?? 0) / 1000
        return replies[0].pairs.enumerated().map { index, entry in
            let since = Int((Double(entry.1) ?? 0) / 1000)
            return QueuedRoom(position: index + 1, room: entry.0, route: route, waitingSinceMilliseconds: since,
                              waitedMilliseconds: max(0, now - since))
        }
    }

    /// The last assignments (newest first, at most 50) from the `recent` list `commit.lua` keeps.
    public func recentAssignmentsWaiting() throws -> [RecentAssignment] {
        let reply = try RedisClient.checked(try redis.executeWaiting(["LRANGE", keys.recent, "0", "49"]))
        return (reply.array ?? []).compactMap(\.string).compactMap(RecentAssignment.init(entry:))
    }

    private var agentCommands: [[String]] {
        [["HGETALL", keys.agents], ["HGETALL", keys.seen], ["HGETALL", keys.load], ["HGETALL", keys.limit],
         ["HGETALL", keys.paused], ["TIME"]]
    }
}
