import ServiceLifecycle
import ServiceThread
import Synchronization

/// Where the calls of a ``RedisClient`` go. The node of `REDIS_URL` (the seed) is asked once, on the first
/// call, whether it is a Redis Cluster node (`INFO cluster`): if not, every call goes to it as it always did,
/// with no further cost. If so, the router keeps the slot map (`CLUSTER SLOTS`) and one pipelined connection
/// (a ``RedisIOCore`` with its I/O thread) per node, made when a call first needs that node; the threads run
/// inside ``run()``, that is inside the client's own `run()`. A `MOVED` reply updates the map at once and asks
/// for a whole new map in the background (at most ten a second).
final class RedisClusterRouter: Sendable {
    enum Mode: Int {
        case unknown, single, cluster
    }

    private struct State {
        var map = RedisSlotMap()
        var cores: [String: RedisIOCore]
        /// The slot of the last keyed call: key-less calls (`PING`, `INFO`, `SCRIPT LOAD`) go to its node, so that
        /// they ask the master that holds this service's keys.
        var home: Int?
        var stopped = false
    }

    let seed: RedisIOCore
    /// `host:port` of `REDIS_URL`.
    let seedAddress: String
    private let configuration: RedisConfiguration
    private let maxBatch: Int
    private let modeValue = Atomic<Int>(Mode.unknown.rawValue)
    private let state: Mutex<State>
    private let newCores = AsyncStream.makeStream(of: RedisIOCore.self)
    private let refreshes = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    /// `MOVED` and `ASK` replies followed, and pauses before trying again (`TRYAGAIN`, `CLUSTERDOWN`, a node that
    /// refused the connection).
    let moved = Atomic<Int>(0), asked = Atomic<Int>(0), paused = Atomic<Int>(0)

    init(configuration: RedisConfiguration, maxBatch: Int) {
        self.configuration = configuration
        self.maxBatch = maxBatch
        seed = RedisIOCore(connection: RedisConnection(configuration: configuration), maxBatch: maxBatch)
        seedAddress = "\(configuration.host):\(configuration.port)"
        state = Mutex(State(cores: [seedAddress: seed]))
    }

    var mode: Mode { Mode(rawValue: modeValue.load(ordering: .acquiring)) ?? .unknown }

    /// Every node connection made so far (the seed's first).
    var cores: [RedisIOCore] {
        state.withLock { state in [seed] + state.cores.values.filter { $0 !== seed } }
    }

    /// Runs the I/O threads of the node connections (not the seed's: the client runs that one) and the map
    /// refreshes, until graceful shutdown or cancellation; then every node connection is stopped.
    func run() async {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.refreshLoop() }
                for await core in newCores.stream {
                    group.addTask {
                        await ServiceThread.run(name: "redis-io", loop: { core.loop() }, stop: { core.stop() })
                    }
                }
                await group.waitForAll()
            }
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
    }

    private func stop() {
        let cores = state.withLock { state in
            state.stopped = true
            return Array(state.cores.values)
        }
        for core in cores where core !== seed { core.stop() }
        newCores.continuation.finish()
        refreshes.continuation.finish()
    }

    // MARK: - Mode and map

    /// Asks the seed whether it is a cluster node, and if so for the slot map. Each caller that finds the mode
    /// unknown asks (in its own task, so cancelling it drops its question like any queued command); only the
    /// first calls of a client do. A connection error leaves the mode unknown (the next call asks again) and is
    /// thrown.
    func detect() async throws {
        let info = try await seed.perform([["INFO", "cluster"]])
        seed.uncount(commands: 1) // not a call of the client's
        // An error reply (a user without INFO, a server loading) decides nothing: taken as "single node", a cluster
        // would answer MOVED to every call for good. The mode stays unknown and the next call asks again.
        if case .error(let message) = info.first { throw RedisError.server(message) }
        guard info.first?.string?.contains("cluster_enabled:1") == true else {
            modeValue.store(Mode.single.rawValue, ordering: .releasing)
            return
        }
        try await loadMap(from: seedAddress)
        seed.uncount(commands: 1)
        modeValue.store(Mode.cluster.rawValue, ordering: .releasing)
    }

    /// The node to send a call of `slot` to: its master in the map; a key-less call (`nil`) goes to the master
    /// of the last keyed call's slot; the seed when the map knows neither.
    func address(for slot: Int?) -> String {
        state.withLock { state in
            if let slot { state.home = slot }
            guard let slot = slot ?? state.home else { return seedAddress }
            return state.map.owner(of: slot) ?? seedAddress
        }
    }

    /// The connection to `address` (`host:port`), made now if there is none.
    func core(at address: String) -> RedisIOCore {
        let (core, made, stopped) = state.withLock { state -> (RedisIOCore, Bool, Bool) in
            if let core = state.cores[address] { return (core, false, state.stopped) }
            var node = configuration
            node.host = RedisSlotMap.host(of: address)
            node.port = RedisSlotMap.port(of: address) ?? configuration.port
            let core = RedisIOCore(connection: RedisConnection(configuration: node), maxBatch: maxBatch)
            state.cores[address] = core
            return (core, true, state.stopped)
        }
        if made {
            if stopped { core.stop() } else { newCores.continuation.yield(core) }
        }
        return core
    }

    /// Takes in a redirect: a `MOVED` slot is served by its new master from now on, and a new map is asked for.
    func follow(_ redirect: RedisRedirect) {
        guard !redirect.isAsk else {
            asked.add(1, ordering: .relaxed)
            return
        }
        moved.add(1, ordering: .relaxed)
        state.withLock { $0.map.assign(redirect.slot, to: redirect.address) }
        requestRefresh()
    }

    /// Asks for a new slot map in the background (a node moved, failed or could not be reached).
    func requestRefresh() {
        refreshes.continuation.yield()
    }

    private func refreshLoop() async {
        for await _ in refreshes.stream {
            let known = state.withLock { $0.map.nodes }
            for address in known + [seedAddress] {
                if (try? await loadMap(from: address)) != nil { break }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func loadMap(from address: String) async throws {
        let reply = try await core(at: address).perform([["CLUSTER", "SLOTS"]]).first ?? .null
        let map = try RedisSlotMap(clusterSlots: RedisClient.checked(reply), fallbackHost: RedisSlotMap.host(of: address))
        guard !map.nodes.isEmpty else { throw RedisError.unexpectedReply("\(address) knows no slot") }
        state.withLock { $0.map = map }
    }
}
