import Allocation
import Foundation
import Testing
import TestSupport

/// `WakeSignal`: who gets a token, and what the instance remembers about the queue.
@Suite struct WakeSignalTests {
    /// Starts a task waiting on the signal and returns once it waits.
    static func waiter(_ signal: WakeSignal, on executor: QueueExecutor) async throws -> Task<WakeSignal.Token?, Never> {
        let before = signal.waiting
        let task = Task(executorPreference: executor) { await signal.wait() }
        let deadline = Date().addingTimeInterval(5)
        while signal.waiting == before, Date() < deadline { try await Task.sleep(nanoseconds: 1_000_000) }
        try #require(signal.waiting == before + 1)
        return task
    }

    @Test func tokensWakeWaitersInOrderAndClearDrained() async throws {
        try await onOwnExecutor { executor in
            let signal = WakeSignal()
            #expect(!signal.deliver(.queue), "nobody waits")
            let first = try await Self.waiter(signal, on: executor)
            let second = try await Self.waiter(signal, on: executor)
            signal.markDrained()
            #expect(signal.shouldWait)
            #expect(signal.deliver(.queue))
            #expect(await first.value == .queue)
            #expect(!signal.shouldWait, "a queued room cleared drained")
            #expect(signal.deliver(.capacity))
            #expect(await second.value == .capacity)
        }
    }

    @Test func aStarvedInstanceDropsQueueTokensUntilASlotFrees() async throws {
        try await onOwnExecutor { executor in
            let signal = WakeSignal()
            let waiter = try await Self.waiter(signal, on: executor)
            signal.markStarved()
            #expect(signal.shouldWait && signal.isStarved)
            #expect(!signal.deliver(.queue), "no capacity: a queued room is no reason to try")
            #expect(signal.waiting == 1 && signal.isStarved)
            #expect(signal.deliver(.capacity))
            #expect(await waiter.value == .capacity)
            #expect(!signal.isStarved && !signal.shouldWait)
            // A freed slot clears starvation even when every task is busy.
            signal.markStarved()
            #expect(!signal.deliver(.capacity) && !signal.isStarved)
        }
    }

    @Test func stopWakesEveryWaiterWithNilAndRefusesNewOnes() async throws {
        try await onOwnExecutor { executor in
            let signal = WakeSignal()
            let waiters = [try await Self.waiter(signal, on: executor), try await Self.waiter(signal, on: executor)]
            signal.stop()
            for waiter in waiters { #expect(await waiter.value == nil) }
            #expect(await signal.wait() == nil)
        }
    }
}
