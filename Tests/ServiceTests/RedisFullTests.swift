import Foundation
import HTTPClient
import Redis
import Synchronization
import Testing
import TestSupport

/// Redis at its `maxmemory` under load (`noeviction`, as production should run): webhooks are answered 503
/// with nothing stored and `/readyz` says so; once memory is freed the service goes on by itself, and every
/// webhook answered 200 is served exactly once.
@Suite struct RedisFullTests {
    @Test func aFullRedisIsA503AndNotReadyThenTheServiceResumesAndLosesNothing() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 40,
                                             redisArguments: ["--maxmemory", "8mb", "--maxmemory-policy", "noeviction"])
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let redis = harness.redis.connect()
            let accepted = Mutex<[String]>([])
            let refused = Atomic<Int>(0)
            let failures = Mutex<[String]>([])
            let stop = Atomic<Bool>(false)

            // Webhooks keep coming while Redis fills up and empties again.
            let sender = Thread {
                let client = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 2))
                var index = 0
                while !stop.load(ordering: .relaxed), index < 70 { // fewer than the 80 slots: all can be served
                    index += 1
                    let room = String(9_200_000 + index)
                    do {
                        let response = try harness.post(base + "/webhooks/allocate", json: harness.customerMessage(room: room),
                                                        client: client)
                        switch response.status {
                        case 200: accepted.withLock { $0.append(room) }
                        case 503: refused.add(1, ordering: .relaxed)
                        default: failures.withLock { $0.append("\(room): \(response.status) \(response.text)") }
                        }
                    } catch {
                        failures.withLock { $0.append("\(room): \(error)") }
                    }
                    Thread.sleep(forTimeInterval: 0.05)
                }
            }
            sender.start()
            Thread.sleep(forTimeInterval: 0.5)

            // Fill Redis until it refuses writes.
            let value = String(repeating: "x", count: 64 << 10)
            var filler: [String] = []
            while true {
                let key = "filler:\(filler.count)"
                guard case .status = try redis.send(["SET", key, value]) else { break }
                filler.append(key)
            }
            // One more MiB past the limit through a script allowed to run out of memory, so Redis stays over the
            // limit whatever buffers it frees meanwhile.
            let over = try redis.send(["EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', KEYS[1], ARGV[1])", "1",
                                       "filler:over", String(repeating: "y", count: 1 << 20)])
            try #require(over == .status("OK"), "\(over)")
            filler.append("filler:over")
            let probe = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 1))
            #expect(eventually(within: 3) { (try? harness.get(base + "/readyz", client: probe))?.status == 503 },
                    "not ready while Redis refuses writes")
            #expect(eventually(within: 3) { refused.load(ordering: .relaxed) > 0 }, "webhooks answered 503 meanwhile")
            Thread.sleep(forTimeInterval: 1)

            // Free the memory: the service goes on by itself.
            _ = try redis.send(["DEL"] + filler)
            #expect(eventually(within: 3) { (try? harness.get(base + "/readyz", client: probe))?.status == 200 })
            while !sender.isFinished { Thread.sleep(forTimeInterval: 0.05) }
            stop.store(true, ordering: .relaxed)

            #expect(failures.withLock { $0 }.isEmpty, "only 200 or 503: \(failures.withLock { $0.prefix(5) })")
            let rooms = accepted.withLock { $0 }
            #expect(eventually(within: 20) {
                (try? harness.simulatorReport()).map { Set($0.rooms.keys).isSuperset(of: rooms) } ?? false
            }, "every room answered 200 is served")
            let report = try harness.simulatorReport()
            let perRoom = Dictionary(grouping: report.assigns, by: \.room)
            #expect(rooms.allSatisfy { perRoom[$0]?.count == 1 }, "each exactly once")
            #expect(report.conflicts == 0)
            #expect(try harness.get(base + "/metrics").text.contains(#"caa_webhooks_total{endpoint="allocate",status="503"}"#))
        }
    }
}
