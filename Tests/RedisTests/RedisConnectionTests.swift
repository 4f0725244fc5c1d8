import Foundation
import Redis
import Testing
import TestSupport

@Suite struct RedisConnectionTests {
    @Test func repliesOfEveryType() async throws {
        try await onThread {
            let redis = try RedisServerProcess.shared.connect()
            let key = "conn:" + TestKeys.uniqueApp()
            #expect(try redis.send(["PING"]) == .status("PONG"))
            #expect(try redis.send(["RPUSH", key, "a", "b"]) == .integer(2))
            #expect(try redis.send(["LRANGE", key, "0", "-1"]) == .array([.bulk(Array("a".utf8)), .bulk(Array("b".utf8))]))
            #expect(try redis.send(["GET", key + ":missing"]) == .null)
            guard case .error(let message) = try redis.send(["GET", key]) else {
                Issue.record("GET on a list must be an error reply")
                return
            }
            #expect(message.hasPrefix("WRONGTYPE"))
            #expect(throws: RedisError.self) { try redis.execute(["GET", key]) }
        }
    }

    @Test func argumentsAreBinarySafe() async throws {
        try await onThread {
            let redis = try RedisServerProcess.shared.connect()
            let key = "bin:" + TestKeys.uniqueApp()
            let tricky = "1\r\nFLUSHALL\r\n\u{0}*3 {x} ünï"
            try redis.execute(["SET", key, tricky])
            #expect(try redis.execute(["GET", key]).string == tricky)
            #expect(try redis.execute(["STRLEN", key]).int == Int64(tricky.utf8.count))
            #expect(try redis.execute(["DBSIZE"]).int ?? 0 > 0, "the injected FLUSHALL must not have run")
        }
    }

    @Test func reconnectsAfterTheServerDropsTheConnection() async throws {
        try await onThread {
            let server = try RedisServerProcess.shared
            let redis = server.connect()
            let id = try #require(try redis.execute(["CLIENT", "ID"]).int)
            try server.connect().execute(["CLIENT", "KILL", "ID", String(id)])
            #expect(throws: RedisError.self) { try redis.send(["PING"]) }
            #expect(!redis.isConnected, "a hiredis context is dead after an I/O error")
            #expect(try redis.send(["PING"]) == .status("PONG"))
            #expect(try redis.execute(["CLIENT", "ID"]).int != id)
        }
    }

    @Test func commandTimeoutIsAnIOErrorAndTheConnectionRecovers() async throws {
        try await onThread {
            var config = try RedisServerProcess.shared.configuration()
            config.commandTimeout = 0.2
            let redis = RedisConnection(configuration: config)
            let key = "block:" + TestKeys.uniqueApp()
            do {
                _ = try redis.send(["BLPOP", key, "2"])
                Issue.record("BLPOP beyond the socket timeout must fail")
            } catch let error as RedisError {
                guard case .io = error else { Issue.record("expected .io, got \(error)"); return }
            }
            #expect(try redis.send(["PING"]) == .status("PONG"))
            // A connection with a timeout longer than the block (as the wake listener's) lets it finish.
            config.commandTimeout = 2
            let reply = try RedisConnection(configuration: config).send(["BLPOP", key, "0.3"])
            #expect(reply == .null)
        }
    }

    @Test func connectFailureIsClear() async throws {
        try await onThread {
            let port = try RedisServerProcess.freePort()
            let redis = RedisConnection(configuration: RedisConfiguration(port: port, connectTimeout: 0.5))
            #expect {
                try redis.send(["PING"])
            } throws: { error in
                guard case RedisError.connectFailed(let message) = error else { return false }
                return message.contains(String(port)) && (error as? RedisError)?.isConnectionError == true
            }
        }
    }

    @Test func selectsTheDatabaseOfTheURL() async throws {
        try await onThread {
            let server = try RedisServerProcess.shared
            let key = "db:" + TestKeys.uniqueApp()
            let db3 = RedisConnection(configuration: server.configuration(database: 3))
            try db3.execute(["SET", key, "three"])
            #expect(try server.connect().execute(["EXISTS", key]).int == 0)
            #expect(try db3.execute(["GET", key]).string == "three")
        }
    }

    @Test func authenticatesWithPasswordAndACLUser() async throws {
        try await onThread {
            let server = try RedisServerProcess.start(arguments: ["--requirepass", "p@ss word"])
            defer { server.stop() }
            let admin = RedisConnection(configuration: try RedisConfiguration(
                url: "redis://:p%40ss%20word@127.0.0.1:\(server.port)/0"))
            #expect(try admin.send(["PING"]) == .status("PONG"))
            #expect(throws: RedisError.self) {
                try RedisConnection(configuration: server.configuration(password: "wrong")).send(["PING"])
            }
            #expect(throws: RedisError.self) { try server.connect().execute(["PING"]) }

            try admin.execute(["ACL", "SETUSER", "worker", "on", ">w0rker", "~caa:*", "+@all"])
            let worker = RedisConnection(configuration: try RedisConfiguration(
                url: "redis://worker:w0rker@127.0.0.1:\(server.port)/0"))
            try worker.execute(["SET", "caa:{x}:probe", "1"])
            #expect(try worker.execute(["ACL", "WHOAMI"]).string == "worker")
            #expect(throws: RedisError.self) { try worker.execute(["SET", "other", "1"]) }
        }
    }
}
