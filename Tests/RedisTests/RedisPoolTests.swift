import Foundation
import Redis
import Testing
import TestSupport

@Suite struct RedisPoolTests {
    @Test func manyThreadsShareFewConnections() throws {
        let server = try RedisServerProcess.shared
        let pool = RedisPool(configuration: server.configuration(), size: 4)
        let key = "pool:" + TestKeys.uniqueApp()
        let threads = 32, increments = 100
        let failures = runThreads(threads) { _ in
            for _ in 0..<increments {
                _ = try pool.withConnection { try $0.execute(["INCR", key]) }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
        let total = try pool.withConnection { try $0.execute(["GET", key]).int }
        #expect(total == Int64(threads * increments))
        let names = try pool.withConnection { connection in
            try connection.execute(["CLIENT", "SETNAME", "probe"])
            return try connection.execute(["CLIENT", "ID"]).int
        }
        #expect(names != nil)
    }

    @Test func aFullPoolTimesOut() throws {
        let pool = RedisPool(configuration: try RedisServerProcess.shared.configuration(), size: 1, acquireTimeout: 0.1)
        let holding = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            try? pool.withConnection { _ in
                holding.signal()
                done.wait()
            }
        }.start()
        holding.wait()
        #expect(throws: RedisError.poolExhausted) { try pool.withConnection { _ in } }
        done.signal()
        #expect(try pool.withConnection { try $0.send(["PING"]) } == .status("PONG"))
    }
}

/// Runs `body` on `count` threads at once and returns the errors they threw.
func runThreads(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) -> [String] {
    let group = DispatchGroup()
    let errors = ErrorBox()
    for index in 0..<count {
        group.enter()
        Thread {
            defer { group.leave() }
            do { try body(index) } catch { errors.add("\(error)") }
        }.start()
    }
    group.wait()
    return errors.all
}

final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func add(_ error: String) { lock.withLock { errors.append(error) } }
    var all: [String] { lock.withLock { errors } }
}
