import Redis

extension AllocationStore {
    /// The last `count` minutes (1 ... 60) of the route's ring, oldest first, the current minute (Redis clock)
    /// last; a minute in which nothing was served is there with zeros.
    public func servedMinutes(route: String, count: Int = 60) async throws -> [RouteMinute] {
        let replies = try await redis.pipeline([["TIME"], ["HGETALL", keys.stats(route: route)]])
        guard let now = try RedisClient.checked(replies[0]).timeMicroseconds else {
            throw RedisError.unexpectedReply("TIME")
        }
        return Self.minutes(of: try RedisClient.checked(replies[1]).fields, nowMicroseconds: now, count: count)
    }

    /// The last `count` minutes of a ring read with `HGETALL`, the minute of `nowMicroseconds` last.
    static func minutes(of fields: [String: String], nowMicroseconds now: Int, count: Int = 60) -> [RouteMinute] {
        let current = now / 60_000_000
        return (current - min(max(count, 1), 60) + 1 ... current).map { minute in
            let slot = String(minute % 60)
            guard fields["\(slot):m"].flatMap({ Int($0) }) == minute else { return RouteMinute(minute: minute) }
            let waits = (1 ... RouteMinute.waitBounds.count + 1).map { Int(fields["\(slot):b\($0)"] ?? "") ?? 0 }
            return RouteMinute(minute: minute, served: Int(fields["\(slot):n"] ?? "") ?? 0, waits: waits)
        }
    }
}
