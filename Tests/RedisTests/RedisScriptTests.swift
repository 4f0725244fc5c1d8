import Redis
import Testing
import TestSupport

@Suite struct RedisScriptTests {
    @Test func loadsOnFirstUseAndSurvivesScriptFlush() throws {
        let redis = try RedisServerProcess.shared.connect()
        let script = RedisScript(name: "incr", source: "return redis.call('INCRBY', KEYS[1], ARGV[1]) -- \(TestKeys.uniqueApp())")
        let key = "script:" + TestKeys.uniqueApp()
        #expect(script.loadedSHA == nil)
        #expect(try script.run(on: redis, keys: [key], arguments: ["2"]) == .integer(2))
        let sha = try #require(script.loadedSHA)
        try redis.execute(["SCRIPT", "FLUSH"])
        #expect(try redis.execute(["SCRIPT", "EXISTS", sha]) == .array([.integer(0)]))
        #expect(try script.run(on: redis, keys: [key], arguments: ["3"]) == .integer(5))
        #expect(try redis.execute(["SCRIPT", "EXISTS", sha]) == .array([.integer(1)]))
    }

    @Test func aScriptErrorIsThrownWithTheScriptName() throws {
        let redis = try RedisServerProcess.shared.connect()
        let script = RedisScript(name: "broken", source: "return redis.call('NOSUCHCOMMAND')")
        #expect {
            try script.run(on: redis, keys: [], arguments: [])
        } throws: { error in
            guard case RedisError.server(let message) = error else { return false }
            return message.hasPrefix("broken.lua:")
        }
    }
}
