import ChildProcess
import Foundation
import Redis

/// A real, throw-away Redis Cluster on loopback for tests: `masters` masters with `replicasPerMaster` replicas
/// each, one ``RedisServer`` (with its watchdog) per node in a directory of its own under ``directory``, joined
/// by `redis-cli --cluster create`. Helpers move a slot between masters, fail a master over and kill one.
///
/// Every method blocks (it polls the nodes with blocking connections): call them from a thread of their own,
/// not from a task of the cooperative pool.
public final class RedisCluster: Sendable {
    /// Every node, in the order they were created (`redis-cli` makes the first `masters` of them masters).
    public let servers: [RedisServer]
    public let directory: URL
    /// Milliseconds without an answer before a node is thought failed (and its replica takes over).
    public let nodeTimeout: Int

    /// Starts the nodes, creates the cluster and waits until every node says `cluster_state:ok`. `arguments` are
    /// extra `redis-server` options for every node, e.g. `["--cluster-require-full-coverage", "no"]`.
    public static func start(masters: Int = 3, replicasPerMaster: Int = 1, nodeTimeout: Int = 1500,
                             arguments: [String] = []) throws -> RedisCluster {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-cluster-\(UUID().uuidString)")
        var servers: [RedisServer] = []
        do {
            for _ in 0..<(masters * (1 + replicasPerMaster)) {
                servers.append(try startNode(in: directory, nodeTimeout: nodeTimeout, arguments: arguments))
            }
            let cluster = RedisCluster(servers: servers, directory: directory, nodeTimeout: nodeTimeout)
            try cluster.create(replicas: replicasPerMaster)
            return cluster
        } catch {
            for server in servers { server.stop() }
            throw error
        }
    }

    private init(servers: [RedisServer], directory: URL, nodeTimeout: Int) {
        self.servers = servers
        self.directory = directory
        self.nodeTimeout = nodeTimeout
    }

    deinit { stop() }

    private static func startNode(in directory: URL, nodeTimeout: Int, arguments: [String]) throws -> RedisServer {
        var lastError: any Error = LocalStackError("no cluster node started")
        for _ in 0..<5 {
            do {
                let port = try LoopbackPort.free(), bus = try LoopbackPort.free()
                return try RedisServer(port: port, arguments: [
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(bus),
                    "--cluster-node-timeout", String(nodeTimeout),
                    // Replicas sync at once (not after the 5 s wait for more replicas), and one may take over however
                    // long ago it last heard from its master.
                    "--repl-diskless-sync-delay", "0", "--cluster-replica-validity-factor", "0",
                ] + arguments, directory: directory.appendingPathComponent("node-\(port)"))
            } catch { lastError = error }
        }
        throw lastError
    }

    private func create(replicas: Int) throws {
        let log = directory.appendingPathComponent("create.log")
        let cli = try ChildProcess("redis-cli", ["--cluster", "create"] + servers.map { "127.0.0.1:\($0.port)" }
                                   + ["--cluster-replicas", String(replicas), "--cluster-yes"], output: log)
        let code = cli.wait(timeout: 30)
        guard code == 0 else {
            cli.terminate(grace: 1)
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw LocalStackError("redis-cli --cluster create failed (\(code.map(String.init) ?? "timed out")): \(text.suffix(800))")
        }
        try waitUntilHealthy()
        try waitUntil("every replica in sync with its master") {
            let followers = try nodes().filter { !$0.isMaster }
            guard followers.count == servers.count / (1 + replicas) * replicas else { return false }
            return try followers.allSatisfy { replica in
                try execute(["INFO", "replication"], on: replica.port).string?.contains("master_link_status:up") == true
            }
        }
    }

    /// The ports of the nodes.
    public var ports: [Int] { servers.map(\.port) }

    /// A configuration for node `port` (the first node by default): what `REDIS_URL` would name.
    public func configuration(port: Int? = nil) -> RedisConfiguration {
        RedisConfiguration(port: port ?? servers[0].port)
    }

    /// A blocking connection to node `port`.
    public func connect(port: Int) -> RedisConnection {
        RedisConnection(configuration: RedisConfiguration(port: port, connectTimeout: 0.5, commandTimeout: 5))
    }

    /// Runs one command on node `port`; an error reply throws.
    @discardableResult
    public func execute(_ command: [String], on port: Int) throws -> RedisReply {
        try connect(port: port).execute(command)
    }

    /// The nodes as a live node sees them (`CLUSTER NODES`).
    public func nodes() throws -> [RedisClusterNode] {
        var lastError: any Error = LocalStackError("no node answered")
        for server in servers where server.isRunning {
            do {
                let text = try execute(["CLUSTER", "NODES"], on: server.port).string ?? ""
                return text.split(whereSeparator: \.isNewline).compactMap { RedisClusterNode(line: $0) }
            } catch { lastError = error }
        }
        throw lastError
    }

    /// The masters, in the order of their first slot.
    public func masters() throws -> [RedisClusterNode] {
        try nodes().filter { $0.isMaster && !$0.slots.isEmpty }.sorted { $0.slots[0].lowerBound < $1.slots[0].lowerBound }
    }

    /// The master serving `slot` (as the live node asked sees it).
    public func owner(of slot: Int) throws -> RedisClusterNode {
        guard let owner = try nodes().first(where: { $0.isMaster && $0.serves(slot) }) else {
            throw LocalStackError("no master serves slot \(slot)")
        }
        return owner
    }

    /// The node id of node `port`.
    public func id(of port: Int) throws -> String {
        guard let id = try execute(["CLUSTER", "MYID"], on: port).string else { throw LocalStackError("no CLUSTER MYID") }
        return id
    }

    // MARK: - Moving a slot

    /// Starts moving `slot` from its master to the master on `port`: `IMPORTING` on the target, then `MIGRATING`
    /// on the source (from now on the source answers `ASK` for the keys it no longer has). Returns the source's port.
    @discardableResult
    public func beginMigration(of slot: Int, to port: Int) throws -> Int {
        let source = try owner(of: slot)
        try execute(["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id], on: port)
        try execute(["CLUSTER", "SETSLOT", String(slot), "MIGRATING", try id(of: port)], on: source.port)
        return source.port
    }

    /// Moves up to `count` keys of `slot` from `source` to `target` (`MIGRATE`); returns how many it moved (0 when
    /// none are left).
    @discardableResult
    public func migrateKeys(of slot: Int, from source: Int, to target: Int, count: Int = 100) throws -> Int {
        let keys = try execute(["CLUSTER", "GETKEYSINSLOT", String(slot), String(count)], on: source).array?
            .compactMap(\.string) ?? []
        if keys.isEmpty { return 0 }
        try execute(["MIGRATE", "127.0.0.1", String(target), "", "0", "5000", "KEYS"] + keys, on: source)
        return keys.count
    }

    /// Ends a migration: the slot belongs to `target` (told to the target, the source, then every other master;
    /// the replicas learn it from their masters).
    public func finishMigration(of slot: Int, from source: Int, to target: Int) throws {
        let targetID = try id(of: target)
        let others = try nodes().filter { $0.isMaster && !$0.isFailing && $0.port != target && $0.port != source }.map(\.port)
        for port in [target, source] + others {
            try execute(["CLUSTER", "SETSLOT", String(slot), "NODE", targetID], on: port)
        }
    }

    /// Moves `slot` with all its keys to the master on `port`, `batch` keys at a time, calling `between` after each
    /// batch (to let traffic meet the half-moved slot).
    public func migrate(slot: Int, to port: Int, batch: Int = 100, between: () -> Void = {}) throws {
        let source = try beginMigration(of: slot, to: port)
        while try migrateKeys(of: slot, from: source, to: port, count: batch) > 0 { between() }
        try finishMigration(of: slot, from: source, to: port)
    }

    // MARK: - Failures

    /// Has the replica of the master on `port` take over (`CLUSTER FAILOVER`, the manual failover that loses no
    /// write) and waits until every node agrees; returns the new master's port.
    @discardableResult
    public func failover(master port: Int) throws -> Int {
        let masterID = try id(of: port)
        guard let replica = try nodes().first(where: { $0.masterID == masterID && !$0.isFailing }) else {
            throw LocalStackError("the master on \(port) has no replica")
        }
        try execute(["CLUSTER", "FAILOVER"], on: replica.port)
        try waitUntil("the replica on \(replica.port) to take over from \(port)") {
            try nodes().first { $0.id == replica.id }?.isMaster == true
        }
        try waitUntilHealthy()
        return replica.port
    }

    /// Kills the node on `port` with SIGKILL (its data is lost; its replica takes over after ``nodeTimeout``).
    public func kill(port: Int) {
        servers.first { $0.port == port }?.stop(kill: true)
    }

    /// Waits until every live node says `cluster_state:ok` and sees every slot served by a master it does not
    /// think failed.
    public func waitUntilHealthy(timeout: Double = 30) throws {
        try waitUntil("cluster_state:ok on every node", timeout: timeout) {
            for server in servers where server.isRunning {
                let info = try execute(["CLUSTER", "INFO"], on: server.port).string ?? ""
                guard info.contains("cluster_state:ok") else { return false }
                let text = try execute(["CLUSTER", "NODES"], on: server.port).string ?? ""
                let nodes = text.split(whereSeparator: \.isNewline).compactMap { RedisClusterNode(line: $0) }
                let served = nodes.filter { $0.isMaster && !$0.isFailing }.flatMap(\.slots).reduce(0) { $0 + $1.count }
                guard served == RedisKeySlot.count else { return false }
            }
            return true
        }
    }

    private func waitUntil(_ what: String, timeout: Double = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var lastError: (any Error)?
        while Date() < deadline {
            do {
                if try condition() { return }
            } catch { lastError = error }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw LocalStackError("timed out waiting for \(what)\(lastError.map { ": \($0)" } ?? "")")
    }

    /// Stops every node and removes the directory.
    public func stop() {
        for server in servers where server.isRunning { server.stop() }
        try? FileManager.default.removeItem(at: directory)
    }
}
