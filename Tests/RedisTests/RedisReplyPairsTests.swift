import Foundation
import Redis
import Testing
import TestSupport

/// The reply decodings the store's readers share: field-value pairs and the server clock.
@Suite struct RedisReplyPairsTests {
    @Test func pairsFieldsAndTimeReadRealReplies() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        let key = "pairs:" + TestKeys.uniqueApp()
        try await redis.execute(["HSET", key + ":h", "a", "1", "b", "2"])
        try await redis.execute(["ZADD", key + ":z", "2", "y", "1", "x"])
        #expect(try await redis.execute(["HGETALL", key + ":h"]).fields == ["a": "1", "b": "2"])
        let ranked = try await redis.execute(["ZRANGE", key + ":z", "0", "-1", "WITHSCORES"]).pairs
        #expect(ranked.map(\.0) == ["x", "y"] && ranked.map(\.1) == ["1", "2"])
        #expect(try await redis.execute(["HGETALL", key + ":none"]).pairs.isEmpty)
        let before = Int(Date().timeIntervalSince1970 * 1_000_000)
        let time = try #require(try await redis.execute(["TIME"]).timeMicroseconds)
        #expect(abs(time - before) < 60_000_000, "the server's clock, in microseconds")
        #expect(RedisReply.integer(5).timeMicroseconds == nil && RedisReply.array([.integer(1)]).timeMicroseconds == nil)
    }
}
