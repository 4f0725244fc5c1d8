import Allocation
import Logging
import Synchronization
import Testing
import TestSupport

/// The staleness bound of the shared agent view, through a whole allocation pool (four tasks, one shared
/// ``AgentViews``, its background refreshes, a real ``WakeListener``) against a real redis-server: rooms
/// flow without a pause, an agent goes offline mid-stream, and while listings succeed it gets no assign call
/// later than twice the max age after it went offline.
@Suite struct OfflineAgentBoundTests {
    /// `AGENT_VIEW_MAX_AGE_MS` of the test.
    static let maxAgeMilliseconds = 300
    /// For the scheduling of the pool's tasks and the Redis round trips between a view's use and the assign
    /// call: the suite runs on two loaded cores.
    static let slack = Duration.milliseconds(400)

    /// A stand-in for the Qiscus API listing agents `1...count` (limit high) until one is taken offline, and
    /// recording when each assign call started.
    final class DepartingGateway: AgentGateway {
        struct Assign {
            let room: String
            let agent: Int
            let at: ContinuousClock.Instant
        }

        private struct State {
            var online: [Int]
            var assigns: [Assign] = []
        }

        private let state: Mutex<State>

        init(agents: ClosedRange<Int>) {
            state = Mutex(State(online: Array(agents)))
        }

        /// The gateway stops listing `agent` from now on; returns the moment it did.
        func takeOffline(_ agent: Int) -> ContinuousClock.Instant {
            state.withLock { state in
                state.online.removeAll { $0 == agent }
                return .now
            }
        }

        var assigns: [Assign] { state.withLock { $0.assigns } }

        func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
            state.withLock { $0.online.map { AgentCandidate(id: $0, reportedLoad: 0, limit: 10_000) } }
        }

        func agentCounts(room: String) async throws -> [Int: Int] { [:] }

        func assign(room: String, agent: Int) async throws {
            state.withLock { $0.assigns.append(Assign(room: room, agent: agent, at: .now)) }
        }
    }

    /// Rooms every 20 ms; agent 1 of 4 goes offline once 1 s passed and it got a room, and rooms flow 2 s more.
    @Test func anAgentGoneOfflineGetsNoAssignLaterThanTwiceTheMaxAge() async throws {
        // The test's steps on a thread of their own (and the pool's on another), so the pace of rooms and the time
        // from a view's use to the assign call do not include waits behind the other tests' tasks on the two
        // threads of the cooperative pool.
        try await withTaskExecutorPreference(QueueExecutor("OfflineAgentBoundTests.rooms")) {
            try await run()
        }
    }

    func run() async throws {
        let f = try StoreFixture()
        let gateway = DepartingGateway(agents: 1...4)
        let views = AgentViews(gateway: gateway, maxAgeMilliseconds: Self.maxAgeMilliseconds)
        let wake = WakeSignal()
        defer { wake.stop() }
        var logger = Logger(label: "test")
        logger.logLevel = .warning // not a line per room
        let listening = Running(WakeListener(keys: f.keys, redis: try RedisServerProcess.shared.configuration(), signal: wake,
                                             blockSeconds: 1, logger: logger))
        let settings = WorkerSettings(limit: 10_000, retry: AllocationWorkerTests.fastRetry)
        let workers = (0..<4).map { index in
            AllocationWorker(name: "w\(index)", store: f.store, gateway: gateway, views: views, wake: wake,
                             settings: settings, logger: logger)
        }
        let pool = AllocationPool(workers: workers, wake: wake, gate: AllocationGate(), views: views)
        let running = Task(executorPreference: QueueExecutor("OfflineAgentBoundTests.pool")) { try await pool.run() }

        let start = ContinuousClock.now
        var rooms: [String] = []
        var offline: ContinuousClock.Instant?
        // At most 30 s of rooms: agent 1 must get a room first, which a loaded machine may delay.
        while rooms.count < 1_500, offline.map({ ContinuousClock.now < $0 + .seconds(2) }) ?? true {
            try await Task.sleep(until: start + .milliseconds(20 * rooms.count), clock: .continuous)
            if offline == nil, ContinuousClock.now >= start + .seconds(1), gateway.assigns.contains(where: { $0.agent == 1 }) {
                offline = gateway.takeOffline(1)
            }
            let room = String(60_000 + rooms.count)
            try await f.enqueue(room)
            rooms.append(room)
        }
        let served = try await eventually(within: 30) { gateway.assigns.count >= rooms.count }
        wake.stop()
        running.cancel()
        _ = try? await running.value
        await listening.stop()
        let t0 = try #require(offline, "agent 1 got a room within 30 s")

        let assigns = gateway.assigns
        #expect(served && Set(assigns.map(\.room)) == Set(rooms), "every room assigned: \(assigns.count) of \(rooms.count)")
        let bound = t0 + .milliseconds(2 * Self.maxAgeMilliseconds) + Self.slack
        let agentOne = assigns.filter { $0.agent == 1 }
        #expect(agentOne.contains { $0.at < t0 }, "agent 1 got rooms while online")
        let late = agentOne.filter { $0.at > bound }.map { t0.duration(to: $0.at) }
        #expect(late.isEmpty, "assigns to agent 1 after it went offline, past the bound: \(late)")
        let last = agentOne.map(\.at).max().map { t0.duration(to: $0) }
        #expect(assigns.contains { $0.at > bound }, "rooms still flowed past the bound (last assign to agent 1 at \(String(describing: last)) after t0)")
    }
}
