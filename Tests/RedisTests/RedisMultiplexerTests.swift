import Foundation
import Redis
import Testing
import TestSupport

/// `RedisMultiplexer` against a real redis-server: many tasks, one connection, replies in the right hands.
@Suite struct RedisMultiplexerTests {
    @Test func everyCallerGetsItsOwnReplyAndCallsShareRoundTrips() async throws {
        let server = try RedisServerProcess.shared
        let redis = RedisMultiplexer(configuration: server.configuration())
        let prefix = "mux:" + TestKeys.uniqueApp()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<500 {
                group.addTask {
                    try await redis.execute(["SET", "\(prefix):\(index)", "value-\(index)"])
                    let reply = try await redis.execute(["GET", "\(prefix):\(index)"])
                    #expect(reply.string == "value-\(index)")
                }
            }
            try await group.waitForAll()
        }
        let (pipelines, commands) = redis.statistics
        #expect(commands == 1000)
        #expect(pipelines < commands, "concurrent commands were written one round trip each")
    }

    @Test func errorRepliesAreReturnedOrThrown() async throws {
        let redis = RedisMultiplexer(configuration: try RedisServerProcess.shared.configuration())
        guard case .error(let message) = try await redis.send(["NOSUCHCOMMAND"]) else {
            Issue.record("no error reply")
            return
        }
        #expect(message.contains("unknown command"))
        await #expect(throws: RedisError.self) { try await redis.execute(["NOSUCHCOMMAND"]) }
        #expect(try await redis.execute(["PING"]) == .status("PONG"), "the connection is still usable")
    }

    @Test func failsWhileRedisIsDownAndReconnectsWhenItIsBack() async throws {
        let server = try RedisServerProcess.start()
        let redis = RedisMultiplexer(configuration: server.configuration())
        #expect(try await redis.execute(["PING"]) == .status("PONG"))
        server.stop(kill: true, keepData: true)
        await #expect(throws: RedisError.self) { try await redis.execute(["PING"]) }
        let again = try RedisServerProcess(port: server.port, directory: server.directory)
        defer { again.stop() }
        #expect(try await redis.execute(["PING"]) == .status("PONG"))
    }

    @Test func runsScriptsAndSurvivesScriptFlush() async throws {
        let server = try RedisServerProcess.start()
        defer { server.stop() }
        let redis = RedisMultiplexer(configuration: server.configuration())
        let script = RedisScript(name: "incr", source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(try await script.run(on: redis, keys: ["k"], arguments: ["2"]) == .integer(2))
        let sha = try #require(script.loadedSHA)
        try await redis.execute(["SCRIPT", "FLUSH"])
        #expect(try await script.run(on: redis, keys: ["k"], arguments: ["3"]) == .integer(5))
        #expect(try await redis.execute(["SCRIPT", "EXISTS", sha]) == .array([.integer(1)]))
        let broken = RedisScript(name: "broken", source: "return redis.call('NOSUCHCOMMAND')")
        await #expect {
            try await broken.run(on: redis, keys: [], arguments: [])
        } throws: { error in
            guard case RedisError.server(let message) = error else { return false }
            return message.hasPrefix("broken.lua:")
        }
    }

    @Test func pipelineOnAConnectionKeepsOrderAndErrorReplies() throws {
        let redis = try RedisServerProcess.shared.connect()
        let key = "pipe:" + TestKeys.uniqueApp()
        let replies = try redis.pipeline([["DEL", key], ["INCR", key], ["NOSUCHCOMMAND"], ["INCRBY", key, "5"], ["GET", key]])
        #expect(replies.count == 5)
        #expect(replies[1] == .integer(1) && replies[3] == .integer(6) && replies[4].string == "6")
        guard case .error = replies[2] else { Issue.record("no error reply in place"); return }
    }
}
