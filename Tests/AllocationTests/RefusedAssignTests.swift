import Allocation
import Logging
import Testing
import TestSupport

/// An assign that fails with a fault about the service: refused by Qiscus (it did nothing) right after this
/// task reserved the agent, the reservation is undone at once; one that may have reached Qiscus (a timeout), or
/// the repeat of an earlier assign, keeps the reservation for the lease.
@Suite struct RefusedAssignTests {
    typealias Failure = ControlledGateway.Failure

    static let refused = Failure(kind: "unauthorized", isServiceFault: true, refusedWithoutEffect: true)
    static let timedOut = Failure(isRetryable: true, kind: "timeout", isServiceFault: true)

    func worker(_ f: StoreFixture, _ gateway: ControlledGateway, gate: AllocationGate = AllocationGate(),
                lease: Int = 10_000) -> AllocationWorker {
        AllocationWorker(name: "t", store: f.store, gateway: gateway, wake: WakeSignal(), gate: gate,
                         settings: WorkerSettings(leaseMilliseconds: lease, retry: AllocationWorkerTests.fastRetry),
                         logger: Logger(label: "t"))
    }

    @Test func anAssignRefusedRightAfterItsReservationPutsTheRoomBackAtOnce() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.enqueue("2")
        let gateway = ControlledGateway(agentCount: 1, assignResults: [Self.refused])
        let gate = AllocationGate()
        #expect(try await worker(f, gateway, gate: gate).step() == .paused(reason: "assign_agent: scripted unauthorized"))
        #expect(gate.isPaused, "rejected credentials pause allocation")
        #expect(gateway.assigns.count == 1, "a refusal is not retried")
        #expect(try await f.state("1") == "q", "back in line now, not when its lease ends")
        #expect(try await f.load(1) == 0, "the reservation is freed")
        let snapshot = try await f.snapshot()
        #expect(snapshot.queue == ["1", "2"], "at the head, its place kept")
        #expect(snapshot.leased.isEmpty && snapshot.loads.isEmpty && snapshot.agents.isEmpty && snapshot.dead.isEmpty)

        // Once Qiscus takes the call again, the room is served first.
        guard case .assigned(let agent, _) = try await worker(f, gateway).step() else {
            Issue.record("room 1 not assigned")
            return
        }
        #expect(agent == 1 && gateway.assigns.last?.room == "1")
    }

    @Test func anAssignThatTimedOutKeepsItsReservationUntilTheLease() async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        let gateway = ControlledGateway(agentCount: 1, assignResults: Array(repeating: Self.timedOut, count: 3))
        let outcome = try await worker(f, gateway, lease: 300).step()
        #expect(outcome == .paused(reason: "assign_agent: scripted timeout"))
        #expect(gateway.assigns.count == 3, "retried within the budget first")
        #expect(try await f.state("1") == "f", "still in flight: the assign may have reached Qiscus")
        #expect(try await f.load(1) == 1, "the reservation stays")
        #expect(try await f.snapshot().queue.isEmpty)

        // After the lease the room comes back keeping agent 1, and the same assign is repeated without a listing.
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await f.store.run(Recover(batch: 5)).code == .recovered)
        #expect(try await f.load(1) == 1)
        let listings = gateway.listings
        guard case .assigned(let agent, _) = try await worker(f, gateway).step() else {
            Issue.record("room 1 not assigned")
            return
        }
        #expect(agent == 1)
        #expect(try await f.state("1") == "a")
        #expect(gateway.listings == listings && gateway.assigns.map(\.agent) == [1, 1, 1, 1])
        #expect(try await f.load(1) == 1)
    }

    /// A recovered room repeats the assign of its reservation: a refusal now does not prove that the earlier
    /// assign never reached Qiscus, so the reservation stays.
    @Test func aRefusedRepeatOfAnEarlierAssignKeepsTheReservation() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1", lease: 1)
        #expect(try await f.reserve("1", token: token, [(1, 0)]).code == .reserved)
        try await Task.sleep(for: .milliseconds(10))
        #expect(try await f.store.run(Recover(batch: 5)).code == .recovered)
        let gateway = ControlledGateway(agentCount: 1, assignResults: [Self.refused])
        #expect(try await worker(f, gateway).step() == .paused(reason: "assign_agent: scripted unauthorized"))
        #expect(gateway.listings == 0 && gateway.assigns.map(\.agent) == [1])
        #expect(try await f.state("1") == "f")
        #expect(try await f.load(1) == 1)
    }
}
