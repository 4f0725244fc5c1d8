import Allocation
import Foundation
import Redis
import Testing

/// The list of the last 50 assignments `commit.lua` keeps (the dashboard's), and its reader
/// (`AllocationStore.recentAssignmentsWaiting()`).
@Suite struct CommitRecentTests {
    @Test func aCommitPutsTheAssignmentAtTheHeadOfTheRecentList() async throws {
        let f = try StoreFixture(routes: [Keyspace.defaultRoute, "sales"])
        let before = try #require(try await f.redis.execute(["TIME"]).timeMicroseconds) / 1000
        for (room, route) in [("1", Keyspace.defaultRoute), ("2", "sales")] {
            let token = try await f.claimed(room, route: route)
            _ = try await f.reserve(room, token: token, [(5, 0)])
            _ = try await f.store.run(Commit(room: room, token: token, agent: 5, route: route))
        }
        let now = try #require(try await f.redis.execute(["TIME"]).timeMicroseconds) / 1000
        let recent = try f.store.recentAssignmentsWaiting()
        #expect(recent.map(\.room) == ["2", "1"], "newest first")
        #expect(recent.map(\.route) == ["sales", Keyspace.defaultRoute])
        #expect(recent.allSatisfy { $0.agent == 5 && $0.waitedMilliseconds != nil && (before...now).contains($0.atMilliseconds) })
    }

    @Test func theListKeepsTheLastFifty() async throws {
        let f = try StoreFixture()
        for room in 1...53 {
            let token = try await f.claimed(String(room))
            _ = try await f.reserve(String(room), token: token, [(room, 0)])
            #expect(try await f.store.run(Commit(room: String(room), token: token, agent: room)).code == .committed)
        }
        let recent = try f.store.recentAssignmentsWaiting()
        #expect(recent.count == 50)
        #expect(recent.first?.room == "53" && recent.last?.room == "4")
        #expect(try await f.redis.execute(["LLEN", f.keys.recent]).int == 50)
    }

    /// A commit that changes nothing (repeated, lost lease, other agent) adds no entry.
    @Test func aCommitThatChangesNothingAddsNoEntry() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        _ = try await f.reserve("1", token: token, [(5, 0)])
        _ = try await f.store.run(Commit(room: "1", token: token, agent: 5))
        #expect(try await f.store.run(Commit(room: "1", token: token, agent: 5)).code == .alreadyCommitted)
        await #expect(throws: (any Error).self) { try await f.store.run(Commit(room: "1", token: token, agent: 6)) }
        #expect(try f.store.recentAssignmentsWaiting().count == 1)
    }

    @Test func anUnknownWaitAndMalformedEntriesAreReadSafely() async throws {
        #expect(RecentAssignment(entry: "7:sales:9:-1:1700000000000")?.waitedMilliseconds == nil)
        #expect(RecentAssignment(entry: "7:sales:9:1500:1700000000000")?.waitedMilliseconds == 1_500)
        for bad in ["", "7:sales:9:1", "7:sales:x:1:2", ":sales:9:1:2", "7::9:1:2", "7:sales:9:1:2:3"] {
            #expect(RecentAssignment(entry: bad) == nil, "\(bad)")
        }
    }
}
