import Allocation
import Testing
import TestSupport

/// `WakeSignal`: who gets a token, and what the instance remembers about the queue.
@Suite struct WakeSignalTests {
    /// Starts a task waiting on the signal and returns once it waits.
    static func waiter(_ signal: WakeSignal) async throws -> Task<WakeSignal.Token?, Never> {
        let before = signal.waiting
        let task = Task { await signal.wait() }
        try await eventually(within: 5) { signal.waiting != before }
        try #require(signal.waiting == before + 1)
        return task
    }

    @Test func tokensWakeWaitersInOrderAndClearDrained() async throws {
        let signal = WakeSignal()
        #expect(!signal.deliver(.queue), "nobody waits")
        let first = try await Self.waiter(signal)
        let second = try await Self.waiter(signal)
        signal.markDrained()
        #expect(signal.shouldWait)
        #expect(signal.deliver(.queue))
        #expect(await first.value == .queue)
        #expect(!signal.shouldWait, "a queued room cleared drained")
        #expect(signal.deliver(.capacity))
        #expect(await second.value == .capacity)
    }

    @Test func aStarvedInstanceDropsQueueTokensUntilASlotFrees() async throws {
        let signal = WakeSignal()
        let waiter = try await Self.waiter(signal)
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

    @Test func stopWakesEveryWaiterWithNilAndRefusesNewOnes() async throws {
        let signal = WakeSignal()
        let waiters = [try await Self.waiter(signal), try await Self.waiter(signal)]
        signal.stop()
        for waiter in waiters { #expect(await waiter.value == nil) }
        #expect(await signal.wait() == nil)
    }

    @Test func aCancelledWaiterLeavesTheLineWithNil() async throws {
        let signal = WakeSignal()
        let cancelled = try await Self.waiter(signal)
        let next = try await Self.waiter(signal)
        cancelled.cancel()
        #expect(await cancelled.value == nil)
        #expect(signal.waiting == 1)
        #expect(signal.deliver(.queue), "the token goes to the waiter still in line")
        #expect(await next.value == .queue)
    }
}
