import Foundation
import HTTPClient
import Redis
import Synchronization
import Testing
import TestSupport

/// Not a check: measures what a master killed with SIGKILL loses of the webhooks it acknowledged (Redis
/// replicates asynchronously), and what `WAIT 1` after each write would cost, for docs/redis.md ("Redis
/// Cluster"). Off unless `CAA_MEASURE_REPLICATION` is set:
/// `CAA_MEASURE_REPLICATION=1 swift test --skip-build --filter ClusterReplicationMeasurement`.
@Suite(.serialized) struct ClusterReplicationMeasurement {
    static let enabled = ProcessInfo.processInfo.environment["CAA_MEASURE_REPLICATION"] != nil

    /// Five times: a fresh cluster, one instance, four threads posting webhooks of new rooms as fast as they are
    /// answered; 0.5 s into the burst the app's master is killed; once its replica took over, the rooms answered
    /// 200 that the new master does not know are the loss.
    @Test(.enabled(if: enabled)) func acknowledgedWebhooksLostWhenAMasterIsKilled() async throws {
        let lines = try await onThread {
            var lines: [String] = []
            for round in 1...5 {
                let cluster = try RedisCluster.start(nodeTimeout: 1000, arguments: ["--cluster-require-full-coverage", "no"])
                defer { cluster.stop() }
                let masters = try cluster.masters()
                let app = try ClusterTenantsTests.apps("loss", on: [masters[0]])[0]
                let harness = try ServiceHarness(instances: 1, apps: [LocalStackApp(app, agents: 1)],
                                                 environment: ["SHUTDOWN_DRAIN_SECONDS": "0"],
                                                 redisURL: "redis://127.0.0.1:\(masters[1].port)/0")
                defer { harness.stop() }
                let accepted = Mutex<[String]>([]), stop = Atomic<Bool>(false), next = Atomic<Int>(0)
                let senders = DispatchGroup()
                for _ in 0..<4 {
                    senders.enter()
                    Thread {
                        defer { senders.leave() }
                        let client = TenantTraffic.client()
                        while !stop.load(ordering: .relaxed) {
                            let room = String(300_000 + next.add(1, ordering: .relaxed).newValue)
                            guard let body = try? harness.customerMessage(app: app, room: room, client: client) else { continue }
                            let response = try? harness.post(harness.instanceURLs[0] + "/webhooks/\(app)/allocate", json: body, client: client)
                            if response?.status == 200 { accepted.withLock { $0.append(room) } }
                        }
                    }.start()
                }
                Thread.sleep(forTimeInterval: 0.5)
                cluster.kill(port: masters[0].port)
                stop.store(true, ordering: .relaxed)
                senders.wait()
                let slot = RedisKeySlot.slot(of: "caa:{\(app)}:session")
                _ = eventually(within: 30) { (try? cluster.owner(of: slot).port) ?? masters[0].port != masters[0].port }
                try cluster.waitUntilHealthy()
                let known = try ClusterTenantsTests.sessions(cluster, app: app)
                let acked = Set(accepted.withLock { $0 })
                let lost = acked.subtracting(known)
                lines.append("round \(round): \(acked.count) webhooks answered 200, \(lost.count) of their rooms missing on the new master")
            }
            return lines
        }
        print("ClusterReplicationMeasurement (SIGKILL of the app's master 0.5 s into a burst):\n" + lines.joined(separator: "\n"))
    }

    /// 2,000 writes one after another, each alone and each followed by `WAIT 1 1000` in the same pipeline; the
    /// latency per write (median, p99, max).
    @Test(.enabled(if: enabled)) func theCostOfWaitingForTheReplica() async throws {
        let cluster = try await onThread { try RedisCluster.start(nodeTimeout: 1000) }
        defer { inBackground { cluster.stop() } }
        let masters = try await onThread { try cluster.masters() }
        let tag = try await onThread { try cluster.tag(onMaster: masters[0].port) }
        let running = Running(RedisClient(configuration: cluster.configuration(port: masters[1].port)))
        let redis = running.service
        try await redis.execute(["HSET", "{\(tag)}:warm", "a", "b"])
        var report = "ClusterReplicationMeasurement (2,000 sequential writes):\n"
        for waiting in [false, true] {
            var seconds: [Double] = []
            var acknowledged = 0
            for index in 0..<2_000 {
                let write = ["HSET", "{\(tag)}:h", String(index), String(repeating: "x", count: 64)]
                let started = ContinuousClock.now
                let replies = try await redis.pipeline(waiting ? [write, ["WAIT", "1", "1000"]] : [write])
                let elapsed = ContinuousClock.now - started
                seconds.append(Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
                if waiting, replies.last?.int == 1 { acknowledged += 1 }
            }
            seconds.sort()
            let median = seconds[seconds.count / 2], p99 = seconds[seconds.count * 99 / 100], max = seconds.last ?? 0
            report += (waiting ? "HSET + WAIT 1 1000" : "HSET alone") + String(format: ": median %.3f ms, p99 %.3f ms, max %.3f ms",
                                                                              median * 1000, p99 * 1000, max * 1000)
                + (waiting ? ", \(acknowledged) of 2000 acknowledged by the replica" : "") + "\n"
        }
        print(report)
    }
}
