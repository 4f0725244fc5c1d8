import Foundation
import Redis
import Synchronization
import Testing
import TestSupport

/// `RedisClient` on a real three-master Redis Cluster (``RedisCluster/shared``): routing by slot from any node,
/// scripts on nodes that never saw them, slots moving under load. Serialized: some tests move slots.
@Suite(.serialized) struct RedisClusterTests {
    /// A running client whose `REDIS_URL` names node `port`.
    static func client(_ cluster: RedisCluster, seed port: Int, policy: RedisClusterPolicy = RedisClusterPolicy(),
                       commandTimeout: Double = 5, maxBatch: Int = 256) -> Running<RedisClient> {
        var configuration = cluster.configuration(port: port)
        configuration.commandTimeout = commandTimeout
        return Running(RedisClient(configuration: configuration, maxBatch: maxBatch, clusterPolicy: policy))
    }

    @Test func aCommandWithoutKeysGoesToTheMasterOfTheKeyItIsAbout() async throws {
        let cluster = try await onThread { try RedisCluster.shared }
        let (masters, tags) = try await onThread { () -> ([RedisClusterNode], [String]) in
            let masters = try cluster.masters()
            return (masters, try masters.map { try cluster.tag(onMaster: $0.port) })
        }
        let running = Self.client(cluster, seed: masters[0].port)
        let redis = running.service
        for (master, tag) in Array(zip(masters, tags)) + Array(zip(masters.reversed(), tags.reversed())) {
            let info = try await redis.execute(["INFO", "server"], atSlotOf: "caa:{\(tag)}:probe").string ?? ""
            #expect(info.contains("tcp_port:\(master.port)\r"), "INFO about {\(tag)} answered by its master \(master.port)")
        }
        // A script loaded for a key is on that key's master, and only there is it needed.
        let script = RedisScript(name: "near", source: "return 1 -- \(UUID())")
        let sha = try await script.load(on: redis, near: "caa:{\(tags[2])}:probe")
        let exists = try await onThread {
            try masters.map { try cluster.execute(["SCRIPT", "EXISTS", sha], on: $0.port).array?.first?.int ?? -1 }
        }
        #expect(exists == [0, 0, 1])
    }

    @Test func aClientGivenANodeThatDoesNotOwnTheSlotServesCallsPipelinesAndScripts() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tag) = try await onThread { () -> ([RedisClusterNode], String) in
            let masters = try cluster.masters()
            return (masters, try cluster.tag(onMaster: masters[1].port))
        }
        let running = Self.client(cluster, seed: masters[0].port)
        let redis = running.service
        try await redis.execute(["SET", "{\(tag)}:a", "1"])
        #expect(redis.isCluster == true)
        #expect(try await redis.execute(["GET", "{\(tag)}:a"]).string == "1")
        let replies = try await redis.pipeline([["TIME"], ["INCR", "{\(tag)}:n"], ["MULTI"], ["INCR", "{\(tag)}:n"],
                                                ["INCR", "{\(tag)}:n"], ["EXEC"]])
        #expect(replies[1] == .integer(1))
        #expect(replies[5] == .array([.integer(2), .integer(3)]))
        #expect(try await redis.execute(["PING"]) == .status("PONG"))

        // A script new to every node: SCRIPT LOAD + EVAL first, then EVALSHA; after SCRIPT FLUSH on its node,
        // NOSCRIPT is answered by EVAL; and a node that never saw it (another master's keys) too.
        let script = RedisScript(name: "count", source: "return redis.call('INCRBY', KEYS[1], ARGV[1]) -- \(UUID())")
        #expect(try await redis.run(script, keys: ["{\(tag)}:s"], arguments: ["2"]) == .integer(2))
        #expect(try await redis.run(script, keys: ["{\(tag)}:s"], arguments: ["2"]) == .integer(4))
        _ = try await onThread { try cluster.execute(["SCRIPT", "FLUSH"], on: masters[1].port) }
        #expect(try await redis.run(script, keys: ["{\(tag)}:s"], arguments: ["1"]) == .integer(5))
        let other = try await onThread { try cluster.tag(onMaster: masters[2].port) }
        #expect(try await redis.run(script, keys: ["{\(other)}:s"], arguments: ["7"]) == .integer(7))

        // Threads of a C library (libmicrohttpd's) make the same calls.
        let value = try await onThread {
            try redis.runWaiting(script, keys: ["{\(other)}:s"], arguments: ["1"]).int
        }
        #expect(value == 8)
        let waited = try await onThread { try redis.pipelineWaiting([["INCR", "{\(tag)}:w"], ["GET", "{\(tag)}:a"]]) }
        #expect(waited == [.integer(1), .bulk(Array("1".utf8))])
        // The keys are where the cluster wants them.
        let owners = try await onThread {
            (try cluster.connect(port: masters[1].port).send(["EXISTS", "{\(tag)}:a"]),
             try cluster.connect(port: masters[2].port).send(["EXISTS", "{\(other)}:s"]))
        }
        #expect(owners.0 == .integer(1) && owners.1 == .integer(1))
        #expect(redis.clusterEvents.moved == 0, "the slot map was learnt from the seed, not by redirects")
    }

    @Test func keysOfThreeHashTagsLiveOnThreeMasters() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tags) = try await onThread { () -> ([RedisClusterNode], [String]) in
            let masters = try cluster.masters()
            return (masters, try masters.map { try cluster.tag(onMaster: $0.port) })
        }
        let running = Self.client(cluster, seed: masters[2].port)
        let redis = running.service
        try await withThrowingTaskGroup(of: Void.self) { group in
            for tag in tags {
                for index in 0..<50 {
                    group.addTask {
                        try await redis.execute(["SET", "{\(tag)}:\(index)", "\(tag)-\(index)"])
                        #expect(try await redis.execute(["GET", "{\(tag)}:\(index)"]).string == "\(tag)-\(index)")
                    }
                }
            }
            try await group.waitForAll()
        }
        let counts = try await onThread {
            try zip(masters, tags).map { master, tag in
                try cluster.connect(port: master.port).send(["EXISTS"] + (0..<50).map { "{\(tag)}:\($0)" }).int
            }
        }
        #expect(counts == [50, 50, 50])
        #expect(redis.statistics.commands == 300, "finding the cluster and its map is not counted")
    }

    /// A slot moves key by key to another master while calls run: ASK for the keys already moved, MOVED once the
    /// slot is gone; no call fails and none runs twice (the counters count exactly).
    @Test func aSlotMigratedUnderLoadLosesNoCallAndRunsNoneTwice() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tag) = try await onThread { () -> ([RedisClusterNode], String) in
            let masters = try cluster.masters()
            return (masters, try cluster.tag(onMaster: masters[0].port))
        }
        let slot = RedisKeySlot.slot(of: tag)
        let running = Self.client(cluster, seed: masters[0].port)
        let redis = running.service
        let fillers = 120
        for index in 0..<fillers { try await redis.execute(["SET", "{\(tag)}:f\(index)", "0"]) }
        let script = RedisScript(name: "incr", source: "return redis.call('INCR', KEYS[1])")
        let done = StopFlag()
        let counted = try await withThrowingTaskGroup(of: ([String: Int], [String]).self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mine: [String: Int] = [:], failures: [String] = []
                    var step = 0
                    while !done.isSet {
                        step += 1
                        let filler = "{\(tag)}:f\((worker * 31 + step) % fillers)"
                        do {
                            switch step % 3 {
                            case 0: try await redis.execute(["INCR", filler])
                            case 1: _ = try await redis.run(script, keys: [filler], arguments: [])
                            default:
                                let replies = try await redis.pipeline([["MULTI"], ["INCR", filler], ["INCR", "{\(tag)}:n"], ["EXEC"]])
                                guard replies.last?.array?.count == 2 else { throw TestSupportError("\(replies)") }
                                mine["{\(tag)}:n", default: 0] += 1
                            }
                            mine[filler, default: 0] += 1
                        } catch {
                            failures.append("\(error)")
                        }
                    }
                    return (mine, failures)
                }
            }
            group.addTask {
                try await onThread {
                    try cluster.migrate(slot: slot, to: masters[1].port, batch: 10) { Thread.sleep(forTimeInterval: 0.02) }
                }
                try await Task.sleep(for: .milliseconds(200))
                done.set()
                return ([:], [])
            }
            var total: [String: Int] = [:], failures: [String] = []
            for try await (counts, failed) in group {
                total.merge(counts, uniquingKeysWith: +)
                failures += failed
            }
            #expect(failures.isEmpty, "\(failures.prefix(5))")
            return total
        }
        let keys = counted.keys.sorted()
        let stored = try await redis.execute(["MGET"] + keys).array ?? []
        #expect(stored.map { $0.int.map(Int.init) } == keys.map { counted[$0] }, "every call ran exactly once")
        let owner = try await onThread { try cluster.owner(of: slot).port }
        #expect(owner == masters[1].port)
        let events = redis.clusterEvents
        #expect(events.moved > 0 && events.asked > 0, "\(events)")
    }

    /// A multi-key command on a slot half moved gets TRYAGAIN; the client retries until the move is done.
    @Test func tryAgainIsRetriedUntilTheMigrationEnds() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tag) = try await onThread { () -> ([RedisClusterNode], String) in
            let masters = try cluster.masters()
            return (masters, try cluster.tag(onMaster: masters[2].port))
        }
        let slot = RedisKeySlot.slot(of: tag)
        let running = Self.client(cluster, seed: masters[0].port)
        let redis = running.service
        try await redis.execute(["MSET", "{\(tag)}:a", "A", "{\(tag)}:b", "B"])
        let source = try await onThread { () -> Int in
            let source = try cluster.beginMigration(of: slot, to: masters[0].port)
            try cluster.execute(["MIGRATE", "127.0.0.1", String(masters[0].port), "", "0", "5000", "KEYS", "{\(tag)}:a"], on: source)
            return source
        }
        let values = Task { try await redis.execute(["MGET", "{\(tag)}:a", "{\(tag)}:b"]) }
        try await Task.sleep(for: .milliseconds(300))
        _ = try await onThread {
            try cluster.migrateKeys(of: slot, from: source, to: masters[0].port)
            try cluster.finishMigration(of: slot, from: source, to: masters[0].port)
        }
        #expect(try await values.value == .array([.bulk(Array("A".utf8)), .bulk(Array("B".utf8))]))
        #expect(redis.clusterEvents.paused > 0)
    }

    /// A slot left migrating to a node that does not import it: the source answers ASK, the target MOVED back.
    @Test func aRedirectLoopIsReportedAsUnavailableWithinABound() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tag) = try await onThread { () -> ([RedisClusterNode], String) in
            let masters = try cluster.masters()
            return (masters, try cluster.tag(onMaster: masters[1].port))
        }
        let slot = RedisKeySlot.slot(of: tag)
        _ = try await onThread {
            try cluster.execute(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", try cluster.id(of: masters[2].port)],
                                on: masters[1].port)
        }
        defer { inBackground { _ = try? cluster.execute(["CLUSTER", "SETSLOT", String(slot), "STABLE"], on: masters[1].port) } }
        let running = Self.client(cluster, seed: masters[0].port)
        let started = ContinuousClock.now
        do {
            _ = try await running.service.execute(["GET", "{\(tag)}:missing"])
            Issue.record("a redirect loop answered")
        } catch let error as RedisError {
            #expect(error.isUnavailable, "\(error)")
            guard case .unavailable = error else { throw error }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    /// A blocked BLPOP whose slot moves is answered MOVED by its node; the client blocks again on the new owner.
    @Test func aBlockingPopFollowsItsSlot() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        let (masters, tag) = try await onThread { () -> ([RedisClusterNode], String) in
            let masters = try cluster.masters()
            return (masters, try cluster.tag(onMaster: masters[0].port))
        }
        let slot = RedisKeySlot.slot(of: tag)
        let blocking = Self.client(cluster, seed: masters[2].port, commandTimeout: 20, maxBatch: 1)
        let running = Self.client(cluster, seed: masters[2].port)
        try await running.service.execute(["SET", "{\(tag)}:x", "1"]) // the slot must have a key to move
        let popped = Task { try await blocking.service.sendBlocking(["BLPOP", "{\(tag)}:wake", "10"]) }
        try await Task.sleep(for: .milliseconds(200))
        try await onThread { try cluster.migrate(slot: slot, to: masters[1].port) }
        try await Task.sleep(for: .milliseconds(300))
        try await running.service.execute(["LPUSH", "{\(tag)}:wake", "q"])
        #expect(try await popped.value == .array([.bulk(Array("{\(tag)}:wake".utf8)), .bulk(Array("q".utf8))]))
        #expect(blocking.service.clusterEvents.moved > 0)
    }

    @Test func aSingleNodeStaysASingleNode() async throws {
        let running = try RedisServerProcess.shared.client()
        #expect(running.service.isCluster == nil)
        try await running.service.execute(["PING"])
        #expect(running.service.isCluster == false)
        #expect(running.service.statistics == (1, 1))
    }
}

/// Tells the load of a test to stop.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}
