import Redis

extension AllocationStore {
    /// Reads every key of the app atomically.
    public func snapshot() async throws -> StoreSnapshot {
        let commands: [[String]] = [
            ["ZRANGE", keys.queue, "0", "-1"],
            ["HGETALL", keys.state],
            ["HGETALL", keys.session],
            ["ZRANGE", keys.lease, "0", "-1"],
            ["HGETALL", keys.agent],
            ["HGETALL", keys.load],
            ["ZRANGE", keys.dead, "0", "-1"],
            ["HGETALL", keys.reason],
            ["LLEN", keys.wake],
            ["HKEYS", keys.since],
            ["ZRANGE", keys.assigned, "0", "-1", "WITHSCORES"],
            ["HKEYS", keys.touched],
        ]
        let replies = try Self.transactionResults(try await redis.pipeline([["MULTI"]] + commands + [["EXEC"]]),
                                                  expected: commands.count, what: "snapshot")
        func list(_ reply: RedisReply) -> [String] { reply.array?.compactMap(\.string) ?? [] }
        func hash(_ reply: RedisReply) -> [String: String] { reply.fields }
        var snapshot = StoreSnapshot()
        snapshot.queue = list(replies[0])
        snapshot.states = hash(replies[1])
        snapshot.sessions = hash(replies[2])
        snapshot.leased = list(replies[3])
        snapshot.agents = hash(replies[4]).compactMapValues { Int($0) }
        snapshot.loads = Dictionary(uniqueKeysWithValues: hash(replies[5]).compactMap { key, value in
            Int(key).flatMap { agent in Int(value).map { (agent, $0) } }
        })
        snapshot.dead = list(replies[6])
        snapshot.reasons = hash(replies[7])
        snapshot.wakeTokens = Int(replies[8].int ?? 0)
        snapshot.timed = Set(list(replies[9]))
        snapshot.assigned = hash(replies[10]).compactMapValues { Int($0) }
        snapshot.touched = Set(list(replies[11]).compactMap { Int($0) })
        return snapshot
    }

    /// The results of a `MULTI` ... `EXEC` pipeline: an error anywhere is thrown.
    private static func transactionResults(_ replies: [RedisReply], expected: Int, what: String) throws -> [RedisReply] {
        for reply in replies { _ = try RedisClient.checked(reply) }
        guard let results = replies.last?.array, results.count == expected else {
            throw RedisError.unexpectedReply("EXEC of the \(what)")
        }
        return results
    }
}
