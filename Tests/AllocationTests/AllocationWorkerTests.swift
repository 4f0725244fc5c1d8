import Allocation
import Foundation
import Logging
import Redis
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TestSupport

/// The worker's decisions against a real redis-server, with a scripted stand-in for the Qiscus API.
@Suite struct AllocationWorkerTests {
    struct Failure: GatewayFailure {
        let isRetryable: Bool
        let retryAfter: Double?
        let kind: String
        var isServiceFault = false
        var refusedWithoutEffect = false
        var description: String { "scripted \(kind)" }

        init(isRetryable: Bool, retryAfter: Double?, kind: String, isServiceFault: Bool = false, refused: Bool = false) {
            self.isRetryable = isRetryable
            self.retryAfter = retryAfter
            self.kind = kind
            self.isServiceFault = isServiceFault
            refusedWithoutEffect = refused
        }
    }

    /// Answers from a script: agents to list, and one result per assign call (success when the script ran out).
    final class ScriptedGateway: AgentGateway {
        let agents: [AgentCandidate]
        private let state: Mutex<(results: [Failure?], assigns: [(String, Int)])>

        init(agents: [AgentCandidate], assignResults: [Failure?] = []) {
            self.agents = agents
            state = Mutex((assignResults, []))
        }

        var assigns: [(String, Int)] { state.withLock { $0.assigns } }

        func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] { agents }

        func agentCounts(room: String) async throws -> [Int: Int] { [:] }

        func assign(room: String, agent: Int) async throws {
            let failure = state.withLock { state -> Failure? in
                state.assigns.append((room, agent))
                return state.results.isEmpty ? nil : state.results.removeFirst()
            }
            if let failure { throw failure }
        }
    }

    /// Lists agent 7; its assign starts a graceful shutdown and fails with `failure` (retryable: the worker
    /// is between retries when it learns of the shutdown).
    final class StopOnAssign: AgentGateway {
        let stop: GracefulShutdownTestTrigger
        let failure: Failure
        init(stop: GracefulShutdownTestTrigger, failure: Failure) {
            self.stop = stop
            self.failure = failure
        }
        func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] { [.init(id: 7, reportedLoad: 0)] }
        func agentCounts(room: String) async throws -> [Int: Int] { [:] }
        func assign(room: String, agent: Int) async throws {
            stop.triggerGracefulShutdown()
            throw failure
        }
    }

    static let fastRetry = RetryPolicy(attempts: 3, baseDelay: 0.001, maxDelay: 0.01)

    func worker(_ f: StoreFixture, _ gateway: any AgentGateway, wake: WakeSignal = WakeSignal(),
                settings: WorkerSettings = WorkerSettings(limit: 2, leaseMilliseconds: 10_000, retry: Self.fastRetry)) -> AllocationWorker {
        AllocationWorker(name: "test", store: f.store, gateway: gateway, wake: wake, settings: settings,
                         logger: Logger(label: "test"))
    }

    /// A wake listener on the fixture's server, running until the handle goes away.
    func listener(_ f: StoreFixture, _ wake: WakeSignal, server: RedisServerProcess? = nil) throws -> Running<WakeListener> {
        let server = try server ?? RedisServerProcess.shared
        return Running(WakeListener(keys: f.keys, redis: server.configuration(), signal: wake, blockSeconds: 1,
                                    logger: Logger(label: "t")))
    }

    @Test func assignsAndCommits() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)])
        let outcome = try await worker(f, gateway).step()
        guard case .assigned(let agent, let waited) = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(agent == 7 && waited != nil)
        #expect(try await f.state("1") == "a")
        #expect(try await f.load(7) == 1)
        #expect(gateway.assigns.count == 1)
        #expect(try await worker(f, gateway).step() == nil, "nothing left to claim")
    }

    @Test func retriesRetryableFailuresThenSucceeds() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let busy = Failure(isRetryable: true, retryAfter: nil, kind: "rate_limited")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [busy, busy])
        guard case .assigned = try await worker(f, gateway).step() else { Issue.record("not assigned"); return }
        #expect(gateway.assigns.count == 3 && gateway.assigns.allSatisfy { $0 == ("1", 7) }, "the same agent each try")
    }

    @Test func afterTheLastTryTheRoomGoesToTheDeadListAndTheSlotFrees() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let down = Failure(isRetryable: true, retryAfter: nil, kind: "server")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [down, down, down])
        let outcome = try await worker(f, gateway).step()
        #expect(outcome == .dead(reason: "assign_agent: scripted server"))
        let snapshot = try await f.snapshot()
        #expect(snapshot.dead == ["1"] && snapshot.reasons["1"] == "assign_agent: scripted server" && snapshot.loads.isEmpty)
        #expect(gateway.assigns.count == 3)
    }

    @Test func aFailureNoRetryCanFixIsDeadAtOnce() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)],
                                      assignResults: [Failure(isRetryable: false, retryAfter: nil, kind: "unauthorized")])
        #expect(try await worker(f, gateway).step() == .dead(reason: "assign_agent: scripted unauthorized"))
        #expect(gateway.assigns.count == 1)
    }

    @Test func listingAgentsFailingForGoodSendsTheRoomToTheDeadList() async throws {
        final class Down: AgentGateway {
            let counter = Atomic<Int>(0)
            var calls: Int { counter.load(ordering: .relaxed) }
            func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
                counter.add(1, ordering: .relaxed)
                throw Failure(isRetryable: true, retryAfter: nil, kind: "unreachable")
            }
            func agentCounts(room: String) async throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) async throws {}
        }
        let f = try StoreFixture()
        try await f.enqueue("1")
        let gateway = Down()
        let worker = worker(f, gateway, settings: WorkerSettings(retry: Self.fastRetry))
        #expect(try await worker.step() == .dead(reason: "available_agents: scripted unreachable"))
        #expect(gateway.calls == 3)
        #expect(try await f.snapshot().dead == ["1"])
    }

    /// The assign timed out, so it may have reached Qiscus: the room keeps its agent. Its lease is cut short,
    /// and the next recover (any instance's, every second) puts it back at the head holding that agent.
    @Test func stoppingDuringBackoffGivesTheRoomBackKeepingItsAgent() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        let outcome = try await testGracefulShutdown { trigger in
            let gateway = StopOnAssign(stop: trigger, failure: Failure(isRetryable: true, retryAfter: nil, kind: "timeout"))
            return try await worker(f, gateway, settings: WorkerSettings(retry: Self.fastRetry)).step()
        }
        #expect(outcome == .requeued(reason: "scripted timeout"))
        let given = try await f.snapshot()
        #expect(given.queue == ["2"] && given.loads == [7: 1] && given.agents == ["1": 7] && given.leased == ["1"])
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await f.store.run(Recover(batch: 5)).rooms == ["1"], "the lease ended a millisecond later")
        let back = try await f.snapshot()
        #expect(back.queue == ["1", "2"] && back.loads == [7: 1] && back.agents == ["1": 7])
    }

    /// The first try of the assign timed out (it may have reached Qiscus), the second was refused (401): the
    /// room must keep its agent, whatever the last try said.
    @Test func aRefusedRetryOfAnAssignThatMayHaveReachedQiscusKeepsTheAgent() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [
            Failure(isRetryable: true, retryAfter: nil, kind: "timeout", isServiceFault: true),
            Failure(isRetryable: false, retryAfter: nil, kind: "unauthorized", isServiceFault: true, refused: true),
        ])
        let outcome = try await worker(f, gateway).step()
        #expect(outcome == .paused(reason: "assign_agent: scripted unauthorized"))
        #expect(gateway.assigns.count == 2)
        let snapshot = try await f.snapshot()
        #expect(snapshot.loads == [7: 1], "the reservation stays for the repeated assign: \(snapshot), \(gateway.assigns)")
        #expect(snapshot.agents == ["1": 7])
        try await Task.sleep(for: .milliseconds(5))
        #expect(try await f.store.run(Recover(batch: 5)).rooms == ["1"], "back in line within the next recover")
    }

    /// Every try of the assign was refused without effect (401) right after this task reserved the agent:
    /// nothing reached Qiscus, so the reservation is undone and the room is back at the head at once.
    @Test func stoppingAfterRefusedAssignsRequeuesAtTheHeadAndFreesTheAgent() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        let outcome = try await testGracefulShutdown { trigger in
            let gateway = StopOnAssign(stop: trigger, failure: Failure(isRetryable: true, retryAfter: nil, kind: "rate_limited", refused: true))
            return try await worker(f, gateway, settings: WorkerSettings(retry: Self.fastRetry)).step()
        }
        #expect(outcome == .requeued(reason: "scripted rate_limited"))
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1", "2"] && snapshot.loads.isEmpty && snapshot.leased.isEmpty)
    }

    @Test func noCapacityRequeuesAndWaitsForAFreedSlot() async throws {
        let f = try StoreFixture()
        try await f.assigned("1", to: 7)
        try await f.assigned("2", to: 7)
        try await f.enqueue("3")
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)])
        let wake = WakeSignal()
        let listening = try listener(f, wake)
        defer { wake.stop() }
        let worker = worker(f, gateway, wake: wake)
        #expect(try await worker.step() == .noCapacity)
        #expect(try await f.snapshot().queue == ["3"])
        // Run as a loop, it finds no capacity again and parks starved: a new room's queue token does not
        // make it try again...
        let loop = Task { await worker.run() }
        try await eventually(within: 30) { wake.waiting > 0 }
        try await f.enqueue("4")
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await f.snapshot().queue == ["3", "4"] && gateway.assigns.isEmpty)
        // ...a resolve frees a slot and its capacity token wakes the loop, which serves the head room.
        #expect(try await f.store.run(Release(room: "1")).code == .released)
        try await eventually(within: 30) { try await f.state("3") == "a" }
        wake.stop()
        await loop.value
        await listening.stop()
        #expect(try await f.state("3") == "a")
        #expect(try await f.load(7) == 2)
        #expect(try await f.snapshot().queue == ["4"], "room 4 still waits: no slot for it")
    }

    /// Idle loops ask Redis nothing: each claims once, finds the queue empty and waits for a token; a new
    /// room is then served by one claim, which says the queue is empty again.
    @Test func idleLoopsWaitForATokenInsteadOfPolling() async throws {
        let server = try await onThread { try RedisServerProcess.start() }
        defer { inBackground { server.stop() } }
        let f = try StoreFixture(server: server)
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)])
        let wake = WakeSignal()
        let listening = try listener(f, wake, server: server)
        defer { wake.stop() }
        // Every claim reads the head of each route's queue with one ZRANGE (this test runs no other script that does).
        func claims() async throws -> Int {
            let stats = try await f.redis.execute(["INFO", "commandstats"]).string ?? ""
            let line = stats.split(separator: "\r\n").first { $0.hasPrefix("cmdstat_zrange:") } ?? ""
            return Int(line.split(separator: ",").first?.split(separator: "=").last ?? "") ?? 0
        }
        let loops = (0..<4).map { _ in worker(f, gateway, wake: wake) }
        let running = Task { await withTaskGroup(of: Void.self) { group in loops.forEach { loop in group.addTask { await loop.run() } } } }
        try await eventually(within: 30) { wake.waiting == 4 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await claims() == 4, "one empty claim per loop, then no polling")
        try await f.enqueue("1")
        try await eventually(within: 30) { try await f.state("1") == "a" }
        try await eventually(within: 30) { wake.waiting == 4 }
        #expect(try await f.state("1") == "a")
        #expect(try await claims() == 5, "the room took one claim; it said the queue was empty after it")
        wake.stop()
        await running.value
        await listening.stop()
    }

    /// The queue is first in, first out: once one loop found no capacity, a loop finishing its room does not
    /// try the same head again (an API listing for nothing) but waits for a freed slot.
    @Test func oneLoopFindingNoCapacityParksTheOthersOfTheInstance() async throws {
        final class GatedGateway: AgentGateway {
            let open = Atomic<Bool>(false)
            let listings = Atomic<Int>(0)
            func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
                listings.add(1, ordering: .relaxed)
                return [.init(id: 7, reportedLoad: 0)]
            }
            func agentCounts(room: String) async throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) async throws {
                while !open.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(1)) }
            }
        }
        let f = try StoreFixture()
        try await f.assigned("1", to: 7) // one slot left
        for room in ["2", "3", "4"] { try await f.enqueue(room) }
        let gateway = GatedGateway()
        let wake = WakeSignal()
        let loops = (0..<2).map { _ in worker(f, gateway, wake: wake) }
        let running = Task { await withTaskGroup(of: Void.self) { group in loops.forEach { loop in group.addTask { await loop.run() } } } }
        try await eventually(within: 30) { wake.isStarved }
        #expect(wake.isStarved, "one of rooms 2 and 3 found no capacity")
        gateway.open.store(true, ordering: .relaxed)
        try await eventually(within: 30) { wake.waiting == 2 }
        #expect(wake.waiting == 2, "both loops wait")
        #expect(try await f.load(7) == 2)
        #expect(try await f.snapshot().queue.count == 2)
        #expect(gateway.listings.load(ordering: .relaxed) == 2, "the loop that assigned did not try the head again")
        wake.stop()
        await running.value
    }

    @Test func aRecoveredRoomRepeatsTheAssignOfItsReservationWithoutListingAgents() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1", lease: 1)
        #expect(try await f.reserve("1", token: token, [(9, 0)]).code == .reserved)
        try await Task.sleep(for: .milliseconds(10))
        #expect(try await f.store.run(Recover(batch: 5)).code == .recovered)
        let gateway = ScriptedGateway(agents: []) // would be no capacity if it were asked
        guard case .assigned(let agent, _) = try await worker(f, gateway).step() else { Issue.record("not assigned"); return }
        #expect(agent == 9 && gateway.assigns.map(\.1) == [9])
        #expect(try await f.load(9) == 1)
    }

    // MARK: - Faults about the service

    @Test func aFaultAboutTheServicePausesAllocationAndTheRoomKeepsItsPlace() async throws {
        final class Rejecting: AgentGateway {
            func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
                throw Failure(isRetryable: false, retryAfter: nil, kind: "unauthorized", isServiceFault: true)
            }
            func agentCounts(room: String) async throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) async throws {}
        }
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        let gate = AllocationGate()
        let worker = AllocationWorker(name: "t", store: f.store, gateway: Rejecting(), wake: WakeSignal(), gate: gate,
                                      settings: WorkerSettings(retry: Self.fastRetry), logger: Logger(label: "t"))
        #expect(try await worker.step() == .paused(reason: "available_agents: scripted unauthorized"))
        #expect(gate.state == .paused(reason: "available_agents: scripted unauthorized"))
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1", "2"] && snapshot.dead.isEmpty, "back at its place, not dead")
    }

    @Test func anAssignThatCanNotReachQiscusKeepsItsReservationForTheSameAssignLater() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let down = Failure(isRetryable: true, retryAfter: nil, kind: "unreachable", isServiceFault: true)
        let gateway = ScriptedGateway(agents: [.init(id: 7, reportedLoad: 0)], assignResults: [down, down, down])
        let gate = AllocationGate()
        let worker = AllocationWorker(name: "t", store: f.store, gateway: gateway, wake: WakeSignal(), gate: gate,
                                      settings: WorkerSettings(leaseMilliseconds: 10_000, retry: Self.fastRetry),
                                      logger: Logger(label: "t"))
        #expect(try await worker.step() == .paused(reason: "assign_agent: scripted unreachable"))
        #expect(gateway.assigns.count == 3, "retried within the budget first")
        #expect(try await f.state("1") == "f", "the lease runs out; recover puts it back keeping agent 7")
        #expect(try await f.load(7) == 1)
        #expect(try await f.snapshot().dead.isEmpty)
    }

    @Test func theProbeResumesAllocationOnceQiscusAnswersAndWaitingLoopsGoOn() async throws {
        final class Probe: AgentGateway {
            let failing = Atomic<Bool>(true)
            func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] { [] }
            func agentCounts(room: String) async throws -> [Int: Int] { [:] }
            func assign(room: String, agent: Int) async throws {}
            func probe() async throws {
                if failing.load(ordering: .relaxed) {
                    throw Failure(isRetryable: false, retryAfter: nil, kind: "unauthorized", isServiceFault: true)
                }
            }
        }
        let gateway = Probe()
        let gate = AllocationGate()
        let probe = ServiceFaultProbe(gateway: gateway, gate: gate, logger: Logger(label: "t"))
        await probe.check(atStart: true)
        #expect(gate.isPaused, "rejected credentials at start-up pause allocation")
        let waiting = Task { await gate.waitUntilRunning() }
        gateway.failing.store(false, ordering: .relaxed)
        await probe.check(atStart: false)
        #expect(gate.state == .running)
        await waiting.value
    }
}

extension AgentGateway {
    /// The test gateways answer the probe unless they say otherwise.
    func probe() async throws {}
}
