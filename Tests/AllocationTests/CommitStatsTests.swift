import Allocation
import Foundation
import Redis
import Testing

/// The minute ring `commit.lua` keeps per route (`lua/lib/stats.lua`), and its reader
/// (`AllocationStore.servedMinutes(route:count:)`).
@Suite struct CommitStatsTests {
    /// The current minute by the Redis clock, and its slot in the ring.
    func minuteNow(_ f: StoreFixture) async throws -> (minute: Int, slot: String) {
        let now = try #require(try await f.redis.execute(["TIME"]).timeMicroseconds)
        let minute = now / 60_000_000
        return (minute, String(minute % 60))
    }

    @Test func aCommitCountsTheRoomAndItsWaitInTheCurrentMinuteOfItsRoute() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        #expect(try await f.reserve("1", token: token, [(5, 0)]).code == .reserved)
        let before = try await minuteNow(f).minute
        let commit = try await f.store.run(Commit(room: "1", token: token, agent: 5))
        let waited = try #require(commit.waitedMilliseconds)
        let minutes = try await f.store.servedMinutes(route: Keyspace.defaultRoute)
        #expect(minutes.count == 60)
        guard minutes.last?.minute == before else { return } // the minute turned during the test: nothing to compare
        let last = try #require(minutes.last)
        #expect(last.served == 1)
        let bucket = RouteMinute.waitBounds.firstIndex { waited <= $0 } ?? RouteMinute.waitBounds.count
        #expect(last.waits.enumerated().allSatisfy { $0.element == ($0.offset == bucket ? 1 : 0) }, "\(last.waits), waited \(waited) ms")
        #expect(minutes.dropLast().allSatisfy { $0.served == 0 && $0.waits.allSatisfy { $0 == 0 } })
        #expect(zip(minutes, minutes.dropFirst()).allSatisfy { $1.minute == $0.minute + 1 }, "consecutive minutes, oldest first")
        #expect(last.waitAtMost(0.5) == RouteMinute.waitBounds[bucket])
    }

    @Test func aSlotHoldingAnOlderMinuteIsClearedBeforeItCounts() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        let (minute, slot) = try await minuteNow(f)
        // The same slot an hour ago: 7 rooms, 4 of them after long waits.
        _ = try await f.redis.execute(["HSET", f.keys.stats, "\(slot):m", String(minute - 60), "\(slot):n", "7",
                                       "\(slot):b1", "3", "\(slot):b12", "4"])
        let waited = try #require(try await f.store.run(Commit(room: "1", token: token, agent: 5)).waitedMilliseconds)
        let fields = try await f.redis.execute(["HGETALL", f.keys.stats]).fields
        let ring = try await f.store.servedMinutes(route: Keyspace.defaultRoute, count: 1)
        let now = try await minuteNow(f) // after every read: a loaded run once took 30 s over this test
        guard now.minute == minute else { return } // the minute turned during the test: nothing to compare
        #expect(fields["\(slot):m"] == String(minute) && fields["\(slot):n"] == "1")
        let bucket = RouteMinute.waitBounds.firstIndex { waited <= $0 } ?? RouteMinute.waitBounds.count
        let buckets = (1...12).map { fields["\(slot):b\($0)"] }
        #expect(buckets == (0..<12).map { $0 == bucket ? "1" : nil }, "only this room's wait (\(waited) ms): the hour-old counts are gone")
        #expect(ring == [RouteMinute(minute: minute, served: 1, waits: (0..<12).map { $0 == bucket ? 1 : 0 })])
    }

    @Test func aRoomOfAnotherRouteCountsInItsRoutesRingOnly() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        let token = try await f.claimed("1", route: "sales")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        _ = try await f.store.run(Commit(room: "1", token: token, agent: 5, route: "sales"))
        #expect(try await f.store.servedMinutes(route: "sales").map(\.served).reduce(0, +) == 1)
        #expect(try await f.store.servedMinutes(route: Keyspace.defaultRoute).allSatisfy { $0.served == 0 })
        #expect(try await f.redis.execute(["EXISTS", f.keys.stats]).int == 0)
    }

    /// The ring of ARGV[4] counts the room only when that is the room's route (it may have been rerouted
    /// meanwhile): `served` counts it in any case.
    @Test func aRingOfAnotherRouteThanTheRoomsIsLeftAlone() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 5, route: "sales")).code == .committed)
        #expect(try await f.redis.execute(["EXISTS", f.keys.stats(route: "sales")]).int == 0)
        #expect(try await f.redis.execute(["HGET", f.keys.served, Keyspace.defaultRoute]).string == "1")
    }

    @Test func aRoomWithoutAKnownArrivalCountsAsServedWithoutAWait() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        _ = try await f.redis.execute(["HDEL", f.keys.since, "1"])
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 5)).waitedMilliseconds == nil)
        let minutes = try await f.store.servedMinutes(route: Keyspace.defaultRoute)
        #expect(minutes.map(\.served).reduce(0, +) == 1)
        #expect(minutes.allSatisfy { $0.waits.allSatisfy { $0 == 0 } && $0.waitAtMost(0.5) == nil })
    }

    @Test(arguments: [["1", "t", "5"], ["1", "t", "5", ""], ["1", "t", "5", "Sales"], ["1", "t", "5", "a b"]])
    func aBadRouteIsRefusedWithoutWriting(arguments: [String]) async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        var arguments = arguments
        arguments[1] = token
        try await f.expectRefusal(Commit.self, arguments, mentioning: "route")
    }

    /// The store's summary (`/v1/status`, `allocator status`) adds each route's last hour up.
    @Test func theSummaryAddsUpEachRoutesLastHour() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        for room in ["1", "2"] {
            let token = try await f.claimed(room, route: "sales")
            _ = try await f.reserve(room, token: token, [(5, 0)])
            _ = try await f.store.run(Commit(room: room, token: token, agent: 5, route: "sales"))
        }
        let (minute, slot) = try await minuteNow(f)
        // Half an hour ago: 3 rooms that waited over ten minutes; two hours ago (an hour-old slot): not counted.
        let older = (minute - 30) % 60, stale = (minute - 120) % 60
        _ = try await f.redis.execute(["HSET", f.keys.stats(route: "sales"), "\(older):m", String(minute - 30), "\(older):n", "3",
                                       "\(older):b11", "3"])
        if String(stale) != slot {
            _ = try await f.redis.execute(["HSET", f.keys.stats(route: "sales"), "\(stale):m", String(minute - 120), "\(stale):n", "9"])
        }
        let routes = try await f.store.summary().routes
        let sales = try #require(routes.first { $0.name == "sales" }?.lastHour)
        #expect(sales.served == 5, "2 now and 3 half an hour ago; the 9 of two hours ago are out")
        #expect(sales.waitAtMost(0.5) == RouteMinute.waitBounds[10], "3 of 5 waited up to 30 minutes")
        #expect(routes.first { $0.name == Keyspace.defaultRoute }?.lastHour?.served == 0)
    }

    @Test func percentilesComeFromTheBuckets() {
        let minute = RouteMinute(minute: 1, served: 10, waits: [5, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1])
        #expect(minute.waitAtMost(0.5) == 1_000)
        #expect(minute.waitAtMost(0.8) == 2_000)
        #expect(minute.waitAtMost(0.9) == 5_000)
        #expect(minute.waitAtMost(0.95) == nil, "beyond the last bound")
        #expect(RouteMinute(minute: 1).waitAtMost(0.5) == nil)
    }
}
