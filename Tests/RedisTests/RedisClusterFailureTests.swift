import Foundation
import Redis
import Testing
import TestSupport

/// `RedisClient` while a master of a real Redis Cluster of its own goes: a manual failover under load (no call
/// lost or run twice), then a master killed with SIGKILL (errors are "unavailable" until its replica takes over,
/// then calls succeed again).
@Suite(.serialized) struct RedisClusterFailureTests {
    static let cluster = Result { try RedisCluster.start(nodeTimeout: 1000) }

    /// A hash tag whose master has a live replica, and a master of another slot range to seed the client with.
    static func appMaster(_ cluster: RedisCluster) throws -> (master: Int, seed: Int, tag: String) {
        let nodes = try cluster.nodes()
        let masters = nodes.filter { $0.isMaster && !$0.isFailing && !$0.slots.isEmpty }
        guard let master = masters.first(where: { master in nodes.contains { $0.masterID == master.id && !$0.isFailing } }),
              let seed = masters.first(where: { $0.port != master.port }) else {
            throw TestSupportError("no master with a replica")
        }
        return (master.port, seed.port, try cluster.tag(onMaster: master.port))
    }

    @Test func aFailoverUnderLoadLosesNoCall() async throws {
        let cluster = try await onThread { try Self.cluster.get() } // starting it blocks: not on a thread of the cooperative pool
        let (master, seed, tag) = try await onThread { try Self.appMaster(cluster) }
        let running = Running(RedisClient(configuration: cluster.configuration(port: seed)))
        let redis = running.service
        try await redis.execute(["SET", "{\(tag)}:n", "0"]) // the map is learnt before the failover
        let done = StopFlag()
        let script = RedisScript(name: "incr", source: "return redis.call('INCR', KEYS[1])")
        let (count, failures) = try await withThrowingTaskGroup(of: (Int, [String]).self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var count = 0, failures: [String] = []
                    while !done.isSet {
                        do {
                            if worker % 2 == 0 {
                                try await redis.execute(["INCR", "{\(tag)}:n"])
                            } else {
                                _ = try await redis.run(script, keys: ["{\(tag)}:n"], arguments: [])
                            }
                            count += 1
                        } catch {
                            failures.append("\(error)")
                        }
                    }
                    return (count, failures)
                }
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(200))
                _ = try await onThread { try cluster.failover(master: master) }
                try await Task.sleep(for: .milliseconds(300))
                done.set()
                return (0, [])
            }
            var total = 0, failures: [String] = []
            for try await (count, failed) in group {
                total += count
                failures += failed
            }
            return (total, failures)
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
        // One more call, in case the load (on a busy machine) made none after the switch.
        try await redis.execute(["INCR", "{\(tag)}:n"])
        #expect(try await redis.execute(["GET", "{\(tag)}:n"]).int == Int64(count + 1), "every call ran exactly once")
        #expect(redis.clusterEvents.moved > 0)
    }

    @Test func aKilledMasterIsUnavailableUntilItsReplicaTakesOver() async throws {
        let cluster = try await onThread { try Self.cluster.get() } // starting it blocks: not on a thread of the cooperative pool
        let (master, seed, tag) = try await onThread { try Self.appMaster(cluster) }
        let running = Running(RedisClient(configuration: cluster.configuration(port: seed)))
        let redis = running.service
        try await redis.execute(["SET", "{\(tag)}:k", "v"])
        try await onThread { cluster.kill(port: master) }
        let killed = ContinuousClock.now
        var errors: [RedisError] = [], others: [String] = []
        var recovered = false
        while ContinuousClock.now - killed < .seconds(30) {
            do {
                try await redis.execute(["INCR", "{\(tag)}:n"])
                recovered = true
                break
            } catch let error as RedisError {
                errors.append(error)
            } catch {
                others.append("\(error)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(recovered, "no call succeeded 30 s after the kill: \(errors.suffix(3))")
        #expect(others.isEmpty, "\(others)")
        #expect(errors.filter { !$0.isUnavailable }.isEmpty, "\(errors.filter { !$0.isUnavailable }.prefix(3))")
        #expect(!errors.isEmpty, "the master's death was never seen")
        // Once the cluster is whole again every call succeeds.
        try await onThread { try cluster.waitUntilHealthy() }
        for index in 0..<50 { try await redis.execute(["SET", "{\(tag)}:\(index)", "x"]) }
    }
}
