import Allocation
import Foundation
import Redis
import Testing

/// `lua/extend.lua`: every return code and argument check.
@Suite struct ExtendScriptTests {
    @Test func extendingKeepsARoomFromBeingRecovered() async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1", lease: 50)
        let result = try await f.store.run(Extend(room: "1", token: token, leaseMilliseconds: 60_000))
        #expect(result.code == .extended)
        let deadline = try #require(result.deadline.map { Int64($0) })
        #expect(try await f.redis.execute(["ZSCORE", f.keys.lease, "1"]).int == deadline)
        try await Task.sleep(for: .seconds(0.1))
        #expect(try await f.store.run(Recover(batch: 5)).code == .none)
        #expect(try await f.state("1") == "f")
    }

    @Test func leaseLostForAnotherTokenOrARoomNotInFlight() async throws {
        let f = try StoreFixture()
        _ = try await f.claimed("1")
        let before = try await f.snapshot()
        await f.expectLeaseLost(Extend.self) { try await f.store.run(Extend(room: "1", token: "other", leaseMilliseconds: 1000)) }
        try await f.enqueue("2")
        await f.expectLeaseLost(Extend.self) { try await f.store.run(Extend(room: "2", token: "t", leaseMilliseconds: 1000)) }
        await f.expectLeaseLost(Extend.self) { try await f.store.run(Extend(room: "3", token: "t", leaseMilliseconds: 1000)) }
        #expect(try await f.snapshot().leased == before.leased)
    }

    @Test(arguments: [(["x", "t", "100"], "room"), (["1", "", "100"], "token"), (["1", "t", "0"], "lease"),
                      (["1", "t", "86400001"], "lease"), (["1", "t", "y"], "lease")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        let token = try await f.claimed("1")
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try await f.expectRefusal(Extend.self, arguments, mentioning: text)
    }
}
