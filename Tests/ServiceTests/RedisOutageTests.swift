import Foundation
import HTTPClient
import QiscusSimulator
import Redis
import Synchronization
import Testing
import TestSupport

/// Redis going away under load: webhooks get 503 while it is down (nothing half-stored), `/readyz` reports
/// the outage, the service reconnects by itself, and no webhook answered 200 is lost.
@Suite struct RedisOutageTests {
    static let environment = ["LEASE_SECONDS": "4", "QISCUS_TIMEOUT_SECONDS": "1", "RECONCILE_SECONDS": "1"]

    /// What the senders saw.
    final class Tally: Sendable {
        let accepted = Mutex<[String]>([])
        let failures = Mutex<[String]>([])
        let unavailable = Atomic<Int>(0)
    }

    /// Sends a customer message per room, alternating between the instances, into `tally`: rooms answered
    /// 200, the number of 503 answers, anything else as a failure.
    static func send(_ harness: ServiceHarness, rooms: [String], pause: Double, into tally: Tally) {
        let client = HTTPClient()
        for (index, room) in rooms.enumerated() {
            do {
                let body = try harness.customerMessage(room: room, client: client)
                let url = harness.instanceURLs[index % harness.instanceURLs.count] + "/webhooks/allocate"
                let response = try harness.post(url, json: body, client: client)
                switch response.status {
                case 200: tally.accepted.withLock { $0.append(room) }
                case 503 where response.text.contains("redis_unavailable"): tally.unavailable.add(1, ordering: .relaxed)
                default: tally.failures.withLock { $0.append("\(room): \(response.status) \(response.text)") }
                }
            } catch { tally.failures.withLock { $0.append("\(room): \(error)") } }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    @Test func aRedisRestartMidLoadLosesNoAcceptedWebhook() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 2, agents: 160, environment: Self.environment,
                                             redisArguments: ["--appendonly", "yes", "--appendfsync", "always"])
            defer { harness.stop() }
            let tally = Tally()
            let rooms = (1...240).map { String(6_000_000 + $0) }
            let sender = Thread { Self.send(harness, rooms: rooms, pause: 0.008, into: tally) }
            sender.start()
            while tally.accepted.withLock({ $0.count }) < 60 { Thread.sleep(forTimeInterval: 0.01) }

            var notReady = false
            try harness.restartRedis {
                let deadline = Date().addingTimeInterval(1.5)
                while Date() < deadline {
                    if let response = try? harness.get(harness.instanceURLs[0] + "/readyz"), response.status == 503 { notReady = true }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            while !sender.isFinished { Thread.sleep(forTimeInterval: 0.01) }
            #expect(notReady, "/readyz reports the outage")
            #expect(tally.unavailable.load(ordering: .relaxed) > 0, "webhooks got 503 while Redis was down")
            #expect(tally.failures.withLock { $0 }.isEmpty, "\(tally.failures.withLock { $0.prefix(3) })")
            #expect(try eventually(within: 10) {
                try harness.get(harness.instanceURLs[0] + "/readyz").status == 200
            }, "ready again after the restart")

            let served = try eventually(within: 30) {
                Set(try harness.simulatorReport().rooms.keys).isSuperset(of: tally.accepted.withLock { $0 })
            }
            #expect(served, "every webhook answered 200 is served")
            let report = try harness.simulatorReport()
            #expect(report.conflicts == 0 && report.maxLoads.values.allSatisfy { $0 <= 2 })
        }
    }

    @Test func flushingTheScriptCacheUnderLoadIsInvisible() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 2, agents: 100, environment: Self.environment)
            defer { harness.stop() }
            let tally = Tally()
            let rooms = (1...150).map { String(7_000_000 + $0) }
            let sender = Thread { Self.send(harness, rooms: rooms, pause: 0.003, into: tally) }
            sender.start()
            let redis = harness.redis.connect()
            var flushes = 0
            while !sender.isFinished {
                try redis.execute(["SCRIPT", "FLUSH"])
                flushes += 1
                Thread.sleep(forTimeInterval: 0.02)
            }
            #expect(flushes > 5)
            #expect(tally.failures.withLock { $0 }.isEmpty && tally.unavailable.load(ordering: .relaxed) == 0)
            #expect(tally.accepted.withLock { $0.count } == rooms.count)
            #expect(try eventually(within: 20) { Set(try harness.simulatorReport().rooms.keys).isSuperset(of: rooms) })
            #expect(!harness.log("instance-0").contains("NOSCRIPT") && !harness.log("instance-1").contains("NOSCRIPT"))
        }
    }
}
