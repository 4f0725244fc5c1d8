import Allocation
import Foundation
import Logging
import Redis
import Synchronization
import Testing
import TestSupport

/// The worker's decisions against a real redis-server, with a scripted stand-in for the Qiscus API.
@Suite struct AllocationWorkerTests {
    struct Failure: GatewayFailure {
        let isRetryable: Bool
        let retryAfter: Double?
        let kind: String
        var description: String { "scripted \(kind)" }
    }

    /// Answers from a script: agents to list, and one result per assign call (success when the script ran out).
    final class ScriptedGateway: AgentGateway {
        var agents: [AgentCandidate]
        var assignResults: [Failure?]
        var assigns: [(String, Int)] = []

        init(agents: [AgentCandidate], assignResults: [Failure?] = []) {
            self.agents = agents
            self.assignResults = assignResults
        }

        func onlineAgents(room: String) throws -> [AgentCandidate] { agents }

        func agentCounts(room: String) throws -> [Int: Int] { [:] }

        func assign(room: String, agent: Int) throws {
            assigns.append((room, agent))
            if !assignResults.isEmpty, let failure = assignResults.removeFirst() { throw failure }
        }
    }

    static let fastRetry = RetryPolicy(attempts: 3, baseDelay: 0.001, maxDelay: 0.01)

    func worker(_ f: StoreFixture, _ gateway: ScriptedGateway, stop: @escaping @Sendable () -> Bool = { false }) -> AllocationWorker {
        AllocationWorker(name: "test", store: f.store, connection: f.redis, gateway: gateway,
                         settings: WorkerSettings(limit: 2, leaseMilliseconds: 10_000, retry: Self.fastRetry, idleWait: 0.05),
                         logger: Logger(label: "test"), shouldStop: stop)
    }

    @Test func assignsAndCommits() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)])
        let outcome = try worker(f, gateway).step()
        guard case .assigned(let agent, let waited) = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(agent == 7 && waited != nil)
        #expect(try f.state("1") == "a" && f.load(7) == 1)
        #expect(gateway.assigns.count == 1)
        #expect(try worker(f, gateway).step() == nil, "nothing left to claim")
    }

    @Test func retriesRetryableFailuresThenSucceeds() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        let busy = Failure(isRetryable: true, retryAfter: nil, kind: "rate_limited")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [busy, busy])
        guard case .assigned = try worker(f, gateway).step() else { Issue.record("not assigned"); return }
        #expect(gateway.assigns.count == 3 && gateway.assigns.allSatisfy { $0 == ("1", 7) }, "the same agent each try")
    }

    @Test func afterTheLastTryTheRoomGoesToTheDeadListAndTheSlotFrees() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        let down = Failure(isRetryable: true, retryAfter: nil, kind: "server")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [down, down, down])
        let outcome = try worker(f, gateway).step()
        #expect(outcome == .dead(reason: "assign_agent: scripted server"))
        let snapshot = try f.snapshot()
        #expect(snapshot.dead == ["1"] && snapshot.reasons["1"] == "assign_agent: scripted server" && snapshot.loads.isEmpty)
        #expect(gateway.assigns.count == 3)
    }

    @Test func aFailureNoRetryCanFixIsDeadAtOnce() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)],
                                      assignResults: [Failure(isRetryable: false, retryAfter: nil, kind: "unauthorized")])
        #expect(try worker(f, gateway).step() == .dead(reason: "assign_agent: scripted unauthorized"))
        #expect(gateway.assigns.count == 1)
    }

    @Test func listingAgentsFailingForGoodSendsTheRoomToTheDeadList() throws {
        final class Down: AgentGateway {
            var calls = 0
            func onlineAgents(room: String) throws -> [AgentCandidate] {
                calls += 1
                throw Failure(isRetryable: true, retryAfter: nil, kind: "unreachable")
            }
            func agentCounts(room: String) throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) throws {}
        }
        let f = try StoreFixture()
        try f.enqueue("1")
        let gateway = Down()
        let worker = AllocationWorker(name: "t", store: f.store, connection: f.redis, gateway: gateway,
                                      settings: WorkerSettings(retry: Self.fastRetry), logger: Logger(label: "t"),
                                      shouldStop: { false })
        #expect(try worker.step() == .dead(reason: "available_agents: scripted unreachable"))
        #expect(try gateway.calls == 3 && f.snapshot().dead == ["1"])
    }

    @Test func stoppingDuringBackoffRequeuesAtTheHead() throws {
        let f = try StoreFixture()
        try f.enqueue("1")
        try f.enqueue("2")
        let stop = Atomic<Bool>(false)
        final class StopOnAssign: AgentGateway {
            let stop: @Sendable () -> Void
            init(stop: @escaping @Sendable () -> Void) { self.stop = stop }
            func onlineAgents(room: String) throws -> [AgentCandidate] { [.init(id: 7, reportedLoad: 0)] }
            func agentCounts(room: String) throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) throws {
                stop()
                throw Failure(isRetryable: true, retryAfter: nil, kind: "timeout")
            }
        }
        let gateway = StopOnAssign { stop.store(true, ordering: .relaxed) }
        let worker = AllocationWorker(name: "t", store: f.store, connection: f.redis, gateway: gateway,
                                      settings: WorkerSettings(retry: Self.fastRetry), logger: Logger(label: "t"),
                                      shouldStop: { stop.load(ordering: .relaxed) })
        #expect(try worker.step() == .requeued(reason: "scripted timeout"))
        let snapshot = try f.snapshot()
        #expect(snapshot.queue == ["1", "2"] && snapshot.loads.isEmpty && snapshot.leased.isEmpty)
    }

    @Test func noCapacityRequeuesAndWaitsForAFreedSlot() throws {
        let f = try StoreFixture()
        try f.assigned("1", to: 7)
        try f.assigned("2", to: 7)
        try f.enqueue("3")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)])
        let worker = worker(f, gateway)
        #expect(try worker.step() == .noCapacity)
        #expect(try f.snapshot().queue == ["3"])
        // A resolve frees a slot and wakes the worker, which then serves the room.
        #expect(try f.store.release(room: "1", on: f.redis).code == .released)
        let done = Atomic<Bool>(false)
        let stopping = AllocationWorker(name: "loop", store: f.store, connection: try RedisServerProcess.shared.connect(),
                                        gateway: gateway, settings: WorkerSettings(idleWait: 0.05),
                                        logger: Logger(label: "t"), shouldStop: { done.load(ordering: .relaxed) })
        let thread = Thread { stopping.run() }
        thread.start()
        let deadline = Date().addingTimeInterval(5)
        while try f.state("3") != "a", Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        done.store(true, ordering: .relaxed)
        while !thread.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        #expect(try f.state("3") == "a" && f.load(7) == 2)
    }

    @Test func aRecoveredRoomRepeatsTheAssignOfItsReservationWithoutListingAgents() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1", lease: 1)
        #expect(try f.reserve("1", token: token, [(9, 0)]).code == .reserved)
        Thread.sleep(forTimeInterval: 0.01)
        #expect(try f.store.recover(batch: 5, on: f.redis).code == .recovered)
        let gateway = ScriptedGateway(agents: []) // would be no capacity if it were asked
        guard case .assigned(let agent, _) = try worker(f, gateway).step() else { Issue.record("not assigned"); return }
        #expect(try agent == 9 && f.load(9) == 1 && gateway.assigns.map(\.1) == [9])
    }
}
