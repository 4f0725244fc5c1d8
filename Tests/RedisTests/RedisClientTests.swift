import Foundation
import Redis
import Testing
import TestSupport

/// `RedisClient` against a real redis-server: many tasks and threads, one connection, replies in the right
/// hands, cancellation, and the end of its run.
@Suite struct RedisClientTests {
    @Test func everyCallerGetsItsOwnReplyAndCallsShareRoundTrips() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        let prefix = "client:" + TestKeys.uniqueApp()
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

    /// Threads that wait (and drive the connection themselves when it is free) and tasks that suspend share
    /// one queue: every reply reaches its caller, and a waiting thread's MULTI/EXEC stays whole.
    @Test func threadsOfACLibraryAndTasksShareTheQueue() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        let key = "client:" + TestKeys.uniqueApp()
        let threads = 32, increments = 100
        async let tasks: Void = withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<200 { group.addTask { try await redis.execute(["INCR", key]) } }
            try await group.waitForAll()
        }
        let failures = await runThreads(threads) { thread in
            for step in 0..<increments {
                if step % 10 == 0 {
                    let replies = try redis.pipelineWaiting([["MULTI"], ["INCR", key], ["INCR", key], ["EXEC"]])
                    let results = (replies.last?.array ?? []).compactMap(\.int)
                    guard results.count == 2, results[1] == results[0] + 1 else { throw TestSupportError("split: \(replies)") }
                } else {
                    let mine = "\(key):\(thread)"
                    try redis.executeWaiting(["SET", mine, String(step)])
                    guard try redis.executeWaiting(["GET", mine]).string == String(step) else {
                        throw TestSupportError("thread \(thread) got another caller's reply")
                    }
                }
            }
        }
        try await tasks
        #expect(failures.isEmpty, "\(failures)")
        #expect(try await redis.execute(["GET", key]).int == Int64(200 + threads * increments / 10 * 2))
    }

    @Test func aPipelineIsNeverInterleavedWithOtherCallers() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        let key = "client:" + TestKeys.uniqueApp()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<50 {
                group.addTask { try await redis.execute(["INCR", key]) }
                group.addTask {
                    let replies = try await redis.pipeline([["MULTI"], ["INCR", key], ["INCR", key], ["EXEC"]])
                    let results = (replies.last?.array ?? []).compactMap(\.int)
                    #expect(results.count == 2 && results[1] == results[0] + 1, "MULTI/EXEC kept together: \(replies)")
                }
            }
            try await group.waitForAll()
        }
        #expect(try await redis.execute(["GET", key]).int == 150)
    }

    @Test func errorRepliesAreReturnedOrThrown() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        guard case .error(let message) = try await redis.send(["NOSUCHCOMMAND"]) else {
            Issue.record("no error reply")
            return
        }
        #expect(message.contains("unknown command"))
        await #expect(throws: RedisError.self) { try await redis.execute(["NOSUCHCOMMAND"]) }
        #expect(try await redis.execute(["PING"]) == .status("PONG"), "the connection is still usable")
    }

    @Test func failsWhileRedisIsDownAndReconnectsWhenItIsBack() async throws {
        let server = try await onThread { try RedisServerProcess.start() }
        let running = server.client()
        let redis = running.service
        #expect(try await redis.execute(["PING"]) == .status("PONG"))
        try await onThread { server.stop(kill: true, keepData: true) }
        await #expect(throws: RedisError.self) { try await redis.execute(["PING"]) }
        let again = try await onThread { try RedisServerProcess(port: server.port, directory: server.directory) }
        defer { inBackground { again.stop() } }
        #expect(try await redis.execute(["PING"]) == .status("PONG"))
    }

    @Test func runsScriptsAndSurvivesScriptFlush() async throws {
        let server = try await onThread { try RedisServerProcess.start() }
        defer { inBackground { server.stop() } }
        let running = server.client()
        let redis = running.service
        let script = RedisScript(name: "incr", source: "return redis.call('INCRBY', KEYS[1], ARGV[1])")
        #expect(script.loadedSHA == nil)
        #expect(try await redis.run(script, keys: ["k"], arguments: ["2"]) == .integer(2))
        let sha = try #require(script.loadedSHA, "the first run loads the script and learns its SHA1")
        try await redis.execute(["SCRIPT", "FLUSH"])
        #expect(try await redis.execute(["SCRIPT", "EXISTS", sha]) == .array([.integer(0)]))
        #expect(try await redis.run(script, keys: ["k"], arguments: ["3"]) == .integer(5), "NOSCRIPT is never seen")
        #expect(try await redis.execute(["SCRIPT", "EXISTS", sha]) == .array([.integer(1)]))
        #expect(try redis.runWaiting(script, keys: ["k"], arguments: ["1"]) == .integer(6))
        let broken = RedisScript(name: "broken", source: "return redis.call('NOSUCHCOMMAND')")
        await #expect {
            try await redis.run(broken, keys: [], arguments: [])
        } throws: { error in
            guard case RedisError.server(let message) = error else { return false }
            return message.hasPrefix("broken.lua:")
        }
    }

    @Test func cancellingABlockingCommandInterruptsIt() async throws {
        let running = try RedisServerProcess.shared.client()
        let redis = running.service
        let key = "client:" + TestKeys.uniqueApp()
        let started = ContinuousClock.now
        let blocked = Task { try await redis.sendBlocking(["BLPOP", key, "30"]) }
        try await Task.sleep(for: .milliseconds(200))
        blocked.cancel()
        await #expect(throws: (any Error).self) { try await blocked.value }
        #expect(ContinuousClock.now - started < .seconds(20), "the 30 s BLPOP was interrupted, not waited out")
        #expect(try await redis.execute(["PING"]) == .status("PONG"), "the connection was made anew")
    }

    @Test func aCommandQueuedBeforeTheRunWaitsForItAndCommandsAfterItFail() async throws {
        let redis = RedisClient(configuration: try RedisServerProcess.shared.configuration())
        let early = Task { try await redis.execute(["PING"]) }
        try await Task.sleep(for: .milliseconds(50))
        let running = Running(redis)
        #expect(try await early.value == .status("PONG"))
        await running.stop()
        await #expect(throws: RedisError.closed) { try await redis.execute(["PING"]) }
        #expect(throws: RedisError.closed) { try redis.executeWaiting(["PING"]) }
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

/// Runs `body` on `count` threads of their own at once and returns the errors they threw.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) async -> [String] {
    await withTaskGroup(of: String?.self) { group in
        for index in 0..<count {
            group.addTask {
                await withCheckedContinuation { done in
                    Thread {
                        do {
                            try body(index)
                            done.resume(returning: nil)
                        } catch {
                            done.resume(returning: "\(error)")
                        }
                    }.start()
                }
            }
        }
        return await group.reduce(into: []) { errors, error in if let error { errors.append(error) } }
    }
}
