import Allocation
import Logging
import Testing
import TestSupport

/// Routes with more online agents than one reservation is offered (``AgentViews/windowSize``): every agent is
/// reached, window after window, against a real redis-server.
@Suite struct WindowedAllocationTests {
    static let agents = 150

    /// `count` allocation tasks of one instance: one wake signal, one shared agent view.
    func workers(_ f: StoreFixture, _ gateway: ControlledGateway, views: AgentViews, wake: WakeSignal,
                 strategy: AllocationStrategy, count: Int = 4) -> [AllocationWorker] {
        let settings = WorkerSettings(limit: 1, strategy: strategy, retry: AllocationWorkerTests.fastRetry)
        var logger = Logger(label: "test")
        logger.logLevel = .warning // not a line per room
        return (0..<count).map { index in
            AllocationWorker(name: "w\(index)", store: f.store, gateway: gateway, views: views, wake: wake,
                             settings: settings, logger: logger)
        }
    }

    /// Runs the workers side by side, each claiming rooms until it finds none; the outcomes of all.
    func drain(_ workers: [AllocationWorker]) async throws -> [AllocationOutcome] {
        try await withThrowingTaskGroup(of: [AllocationOutcome].self) { group in
            for worker in workers {
                group.addTask {
                    var outcomes: [AllocationOutcome] = []
                    while let outcome = try await worker.step() { outcomes.append(outcome) }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// The agents of the assigned outcomes.
    static func agents(_ outcomes: [AllocationOutcome]) -> [Int] {
        outcomes.compactMap { outcome in
            if case .assigned(let agent, _) = outcome { return agent }
            return nil
        }
    }

    /// One more room finds every agent full: NO_CAPACITY after all windows, back in line, the route parked.
    func expectNoCapacityForOneMore(_ f: StoreFixture, _ worker: AllocationWorker, wake: WakeSignal) async throws {
        try await f.enqueue("9999")
        #expect(try await worker.step() == .noCapacity)
        #expect(wake.parkedRoutes == [Keyspace.defaultRoute], "the route waits for a free slot")
        #expect(try await f.snapshot().queue == ["9999"])
    }

    /// 150 rooms, 150 agents of limit 1, four tasks sharing one listing: each agent gets one room and one more
    /// room finds none. The shared listing's estimates steer most rooms to an agent with room in their first
    /// window; the next test makes first windows full.
    @Test(arguments: AllocationStrategy.allCases)
    func everyAgentOfALongListingGetsOneRoom(strategy: AllocationStrategy) async throws {
        let f = try StoreFixture()
        let gateway = ControlledGateway(agentCount: Self.agents)
        let views = AgentViews(gateway: gateway, maxAgeMilliseconds: 60_000)
        let wake = WakeSignal()
        for room in 1...Self.agents { try await f.enqueue(String(room)) }
        let workers = workers(f, gateway, views: views, wake: wake, strategy: strategy)

        let outcomes = try await drain(workers)
        let agents = Self.agents(outcomes)
        #expect(outcomes.count == Self.agents && agents.count == Self.agents,
                "every room assigned: \(outcomes.filter { Self.agents([$0]).isEmpty })")
        #expect(agents.sorted() == Array(1...Self.agents), "each agent exactly once")
        let snapshot = try await f.snapshot()
        #expect(snapshot.loads == Dictionary(uniqueKeysWithValues: (1...Self.agents).map { ($0, 1) }))
        #expect(snapshot.queue.isEmpty)
        #expect(gateway.assigns.count == Self.agents)
        #expect(gateway.listings == 1, "one listing served every room")

        try await expectNoCapacityForOneMore(f, workers[0], wake: wake)
        #expect(gateway.listings == 1)
    }

    /// Agents 1...64 hold a room of another instance while this instance's listing (and Qiscus's lagging
    /// count) still says they are free: the first window, all of them, is full in Redis, and the room is served
    /// from the next window.
    @Test(arguments: AllocationStrategy.allCases)
    func aFullFirstWindowSendsTheRoomToTheNext(strategy: AllocationStrategy) async throws {
        let f = try StoreFixture()
        for agent in 1...AgentViews.windowSize { try await f.assigned(String(8_000 + agent), to: agent) }
        let gateway = ControlledGateway(agentCount: Self.agents)
        let views = AgentViews(gateway: gateway, maxAgeMilliseconds: 60_000)
        let wake = WakeSignal()
        let workers = workers(f, gateway, views: views, wake: wake, strategy: strategy)

        try await f.enqueue("7000")
        let outcome = try await workers[0].step()
        guard case .assigned(let agent, _) = outcome else {
            Issue.record("not assigned: \(String(describing: outcome))")
            return
        }
        #expect(agent == 65, "the first agent of the second window")
        let rest = Self.agents - AgentViews.windowSize - 1
        for room in 1...rest { try await f.enqueue(String(room)) }
        let agents = Self.agents(try await drain(workers))
        #expect(agents.sorted() == Array(66...Self.agents), "the other free agents, each once")
        #expect(try await f.snapshot().loads.values.allSatisfy { $0 == 1 })
        #expect(gateway.listings == 1)

        try await expectNoCapacityForOneMore(f, workers[0], wake: wake)
    }
}
