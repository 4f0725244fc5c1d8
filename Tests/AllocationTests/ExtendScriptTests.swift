import Allocation
import Foundation
import Redis
import Testing

/// `lua/extend.lua`: every return code and argument check.
@Suite struct ExtendScriptTests {
    @Test func extendingKeepsARoomFromBeingRecovered() throws {
        let f = try StoreFixture()
        let token = try f.claimed("1", lease: 50)
        let result = try f.store.extend(room: "1", token: token, leaseMilliseconds: 60_000, on: f.redis)
        #expect(result.code == .extended)
        let deadline = try #require(result.values.first.flatMap { Int64($0) })
        #expect(try f.redis.execute(["ZSCORE", f.keys.lease, "1"]).int == deadline)
        Thread.sleep(forTimeInterval: 0.1)
        #expect(try f.store.recover(batch: 5, on: f.redis).code == .none)
        #expect(try f.state("1") == "f")
    }

    @Test func leaseLostForAnotherTokenOrARoomNotInFlight() throws {
        let f = try StoreFixture()
        _ = try f.claimed("1")
        let before = try f.snapshot()
        #expect(try f.store.extend(room: "1", token: "other", leaseMilliseconds: 1000, on: f.redis).code == .leaseLost)
        try f.enqueue("2")
        #expect(try f.store.extend(room: "2", token: "t", leaseMilliseconds: 1000, on: f.redis).code == .leaseLost)
        #expect(try f.store.extend(room: "3", token: "t", leaseMilliseconds: 1000, on: f.redis).code == .leaseLost)
        #expect(try f.snapshot().leased == before.leased)
    }

    @Test(arguments: [(["x", "t", "100"], "room"), (["1", "", "100"], "token"), (["1", "t", "0"], "lease"),
                      (["1", "t", "86400001"], "lease"), (["1", "t", "y"], "lease")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) throws {
        let f = try StoreFixture()
        let token = try f.claimed("1")
        var arguments = arguments
        if arguments[1] == "t" { arguments[1] = token }
        try f.expectRefusal(AllocationScripts.extend, arguments, mentioning: text)
    }
}
