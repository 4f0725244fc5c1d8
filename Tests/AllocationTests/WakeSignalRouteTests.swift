@testable import Allocation
import Foundation
import Testing
import TestSupport

/// `WakeSignal` with several routes: parking one route, starvation when all are, and the retry timer.
@Suite struct WakeSignalRouteTests {
    @Test func aParkedRouteLeavesTheOthersActive() async throws {
        let signal = WakeSignal(routes: ["a", "b", "c"])
        #expect(signal.activeRoutes == ["a", "b", "c"] && signal.parkedRoutes.isEmpty)
        signal.park("b")
        #expect(signal.activeRoutes == ["a", "c"] && signal.parkedRoutes == ["b"])
        #expect(!signal.isStarved && !signal.shouldWait, "the other routes can still be claimed")
        let waiter = try await WakeSignalTests.waiter(signal)
        #expect(signal.deliver(.queue), "a queued room may be of a route not parked")
        #expect(await waiter.value == .queue)
        #expect(signal.activeRoutes == ["a", "c"], "a q token unparks nothing")
    }

    @Test func aCapacityTokenUnparksEveryRoute() async throws {
        let signal = WakeSignal(routes: ["a", "b"])
        signal.park("a")
        signal.park("b", retryIn: .seconds(600))
        #expect(signal.isStarved && signal.activeRoutes.isEmpty)
        #expect(!signal.deliver(.capacity), "nobody waits, but the routes are unparked all the same")
        #expect(signal.activeRoutes == ["a", "b"] && !signal.isStarved)
    }

    @Test func aQueueTokenIsDroppedOnlyWhileEveryRouteIsParked() async throws {
        let signal = WakeSignal(routes: ["a", "b"])
        let waiter = try await WakeSignalTests.waiter(signal)
        signal.park("a")
        #expect(!signal.isStarved)
        signal.park("b")
        #expect(signal.isStarved && signal.shouldWait)
        #expect(!signal.deliver(.queue), "dropped: no claim could be served")
        #expect(signal.waiting == 1)
        #expect(signal.deliver(.capacity))
        #expect(await waiter.value == .capacity)
        #expect(!signal.isStarved)
    }

    @Test func aRouteParkedUntilATimeIsActiveAgainOnceItPassed() async throws {
        let signal = WakeSignal(routes: ["a", "b"])
        signal.park("a", retryIn: .milliseconds(50))
        #expect(signal.activeRoutes == ["b"])
        signal.park("b", retryIn: .seconds(600))
        try await Task.sleep(for: .milliseconds(100))
        #expect(signal.activeRoutes == ["a"] && !signal.isStarved, "no timer runs, yet the time has passed")
    }

    @Test func theRetryTimerWakesAWaiterWhenAParkedRoutesTimeComes() async throws {
        let signal = WakeSignal(routes: ["a", "b"])
        let timer = Task { await signal.runRetryTimer() }
        defer { timer.cancel() }
        let waiter = try await WakeSignalTests.waiter(signal)
        signal.park("b")
        let start = ContinuousClock.now
        signal.park("a", retryIn: .seconds(1))
        #expect(signal.isStarved)
        #expect(await waiter.value == .retry)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(10), "\(elapsed)")
        #expect(signal.activeRoutes == ["a"], "the route whose time came is unparked; b waits for a slot")
    }

    /// A route parked with an EARLIER time than the one the timer sleeps towards still wakes a waiter at its time.
    @Test func anEarlierRetryTimeIsNotHeldUpByALaterOne() async throws {
        let signal = WakeSignal(routes: ["a", "b"])
        let timer = Task { await signal.runRetryTimer() }
        defer { timer.cancel() }
        signal.park("a", retryIn: .seconds(600))
        try await Task.sleep(for: .milliseconds(100)) // the timer now sleeps towards a's time
        let waiter = try await WakeSignalTests.waiter(signal)
        let start = ContinuousClock.now
        signal.park("b", retryIn: .seconds(1))
        // Were b's retry held up by a's, the waiter would wait 600 s: the watchdog stops the signal (nil) first.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            signal.stop()
        }
        let token = await waiter.value
        watchdog.cancel()
        #expect(token == .retry, "b's time came after 1 s; no retry within 10 s")
        #expect(ContinuousClock.now - start >= .milliseconds(900))
        #expect(signal.activeRoutes == ["b"])
    }

    @Test func theRetryTimerEndsWhenCancelledOrStopped() async throws {
        let idle = WakeSignal(routes: ["a"])
        let waiting = Task { await idle.runRetryTimer() }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await waiting.value
        let stopped = WakeSignal(routes: ["a"])
        stopped.stop()
        await stopped.runRetryTimer()
    }

    /// What a task learnt from Redis is stale when a token came in meanwhile: a claim that found nothing does
    /// not mark the queues drained over a token delivered during it, and a route is not parked over a freed slot.
    @Test func stateLearntBeforeATokenIsNotRecordedAfterIt() {
        let signal = WakeSignal(routes: ["a", "b"])
        let deliveries = signal.deliveries
        signal.deliver(.retry) // nobody waits: the token is not taken, but it came
        signal.markDrained(unlessDeliveredSince: deliveries)
        #expect(!signal.shouldWait, "the claim's answer is older than the token")
        signal.markDrained(unlessDeliveredSince: signal.deliveries)
        #expect(signal.shouldWait)

        let capacity = signal.capacityDeliveries
        signal.deliver(.capacity)
        signal.park("a", unlessCapacitySince: capacity)
        #expect(signal.activeRoutes == ["a", "b"], "a slot freed while the room was tried: not parked")
        signal.park("a", unlessCapacitySince: signal.capacityDeliveries)
        #expect(signal.activeRoutes == ["b"])
        signal.deliver(.queue)
        signal.park("a", unlessCapacitySince: capacity + 1)
        #expect(signal.activeRoutes == ["b"], "a q token is no freed slot")
    }

    /// Task A claimed a room and finds no agent under the limit; meanwhile a resolve's `c` token woke task B,
    /// whose claim found the queue empty (A held the room). A gives the room back without parking its route
    /// (the slot freed while it tried), and B's "drained" is stale whichever comes first: the room is claimed
    /// again at once, not at the next nudge.
    @Test func aRoomGivenBackAfterAFreedSlotIsNotLeftForDrained() {
        for bFirst in [false, true] {
            let signal = WakeSignal()
            let capacity = signal.capacityDeliveries // A, before its reservation
            signal.deliver(.capacity)
            let deliveries = signal.deliveries // B, woken by the token, claims and finds nothing
            if bFirst { signal.markDrained(unlessDeliveredSince: deliveries) }
            #expect(!signal.park(Keyspace.defaultRoute, unlessCapacitySince: capacity))
            signal.requeued()
            if !bFirst { signal.markDrained(unlessDeliveredSince: deliveries) }
            #expect(!signal.shouldWait, "B's claim answered before the room was back (B first: \(bFirst))")
        }
        let signal = WakeSignal()
        #expect(signal.park(Keyspace.defaultRoute, unlessCapacitySince: signal.capacityDeliveries))
        #expect(signal.isStarved)
    }
}
