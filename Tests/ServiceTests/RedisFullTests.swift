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
            // Webhooks keep coming while Redis fills up and empties again (fewer than the 80 slots).
            let burst = WebhookBurst(harness, to: base, firstRoom: 9_200_000, count: 70, pause: 0.05)
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
            #expect(eventually(within: 3) { burst.all.contains { $0.status == 503 } }, "webhooks answered 503 meanwhile")
            Thread.sleep(forTimeInterval: 1)

            // Free the memory: the service goes on by itself.
            _ = try redis.send(["DEL"] + filler)
            #expect(eventually(within: 3) { (try? harness.get(base + "/readyz", client: probe))?.status == 200 })
            burst.waitUntilFinished()
            let others = burst.all.filter { $0.status != 200 && $0.status != 503 }
            #expect(others.isEmpty, "only 200 or 503: \(others.prefix(5))")
            let rooms = burst.accepted
            #expect(eventually(within: 20) {
                (try? harness.simulatorReport()).map { Set($0.rooms.keys).isSuperset(of: rooms) } ?? false
            }, "every room answered 200 is served")
            let report = try harness.simulatorReport()
            let perRoom = Dictionary(grouping: report.assigns, by: \.room)
            #expect(rooms.allSatisfy { perRoom[$0]?.count == 1 }, "each exactly once")
            #expect(report.conflicts == 0)
            #expect(try harness.get(base + "/metrics").text.contains(#"caa_webhooks_total{app="sim-app",endpoint="allocate",status="503"}"#))
        }
    }
}
