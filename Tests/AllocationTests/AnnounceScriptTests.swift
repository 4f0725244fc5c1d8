import Allocation
import Redis
import Testing

/// `lua/announce.lua`: instances compare the fingerprints of their routes; silent ones are forgotten.
@Suite struct AnnounceScriptTests {
    /// Announces; answers the code, the live instances (when agreed) and those that run other routes.
    func announce(_ f: StoreFixture, _ instance: String, _ fingerprint: String,
                  ttl: Int = 60_000) async throws -> (code: Announce.Code, live: Int?, different: [String: String]) {
        let outcome = try await f.store.run(Announce(instance: instance, fingerprint: fingerprint, ttlMilliseconds: ttl))
        return (outcome.code, outcome.live, outcome.different)
    }

    @Test func instancesWithTheSameRoutesAgreeAndTheOthersAreListed() async throws {
        let f = try StoreFixture()
        #expect(try await announce(f, "a", "f1") == (.agreed, 1, [:]))
        #expect(try await announce(f, "b", "f1") == (.agreed, 2, [:]))
        #expect(try await announce(f, "c", "f2") == (.different, nil, ["a": "f1", "b": "f1"]))
        #expect(try await announce(f, "a", "f1") == (.different, nil, ["c": "f2"]))
        #expect(try await announce(f, "c", "f1") == (.agreed, 3, [:]), "c was updated")
        #expect(try await announce(f, "d", "f:with:colons").different == ["a": "f1", "b": "f1", "c": "f1"])
        #expect(try await announce(f, "a", "f:with:colons").different == ["b": "f1", "c": "f1"])
    }

    @Test func anInstanceNotHeardOfForTheTtlIsForgotten() async throws {
        let f = try StoreFixture()
        let now = try await f.redisMicroseconds() / 1000
        // Times far from the ttl, so a slow machine between two calls changes nothing.
        try await f.redis.execute(["HSET", f.keys.instances, "old", "\(now - 120_000):f2", "recent", "\(now - 500):f1",
                                   "garbage", "no time here"])
        #expect(try await announce(f, "a", "f1", ttl: 60_000) == (.agreed, 2, [:]))
        #expect(try await f.hash(f.keys.instances).keys.sorted() == ["a", "recent"])
        // A longer ttl keeps a silent instance that disagrees.
        try await f.redis.execute(["HSET", f.keys.instances, "old", "\(now - 120_000):f2"])
        #expect(try await announce(f, "a", "f1", ttl: 600_000).different == ["old": "f2"])
        let after = try await f.redisMicroseconds() / 1000
        let stored = try #require(try await f.hash(f.keys.instances)["a"])
        let heard = try #require(Int(stored.split(separator: ":").first ?? ""))
        #expect((now...after).contains(heard) && stored.hasSuffix(":f1"), "heard \(heard) within \(now)...\(after)")
    }

    /// ARGV: instance id, fingerprint, ttl.
    @Test(arguments: [
        (["", "f", "60000"], "instance id"), (["a:b", "f", "60000"], "instance id"),
        ([String(repeating: "i", count: 65), "f", "60000"], "instance id"), (["a", "", "60000"], "fingerprint"),
        (["a", String(repeating: "f", count: 129), "60000"], "fingerprint"), (["a", "f", "999"], "ttl"),
        (["a", "f", "86400001"], "ttl"), (["a", "f", "abc"], "ttl"), (["a", "f", "1500.5"], "ttl"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        _ = try await announce(f, "a", "f1")
        try await f.expectRefusal(Announce.self, arguments, mentioning: text)
    }

    @Test func takesTheLongestIdAndFingerprint() async throws {
        let f = try StoreFixture()
        let id = String(repeating: "i", count: 64), fingerprint = String(repeating: "f", count: 128)
        #expect(try await announce(f, id, fingerprint, ttl: 1_000).code == .agreed)
        #expect(try await announce(f, "b", "x", ttl: 86_400_000).different == [id: fingerprint])
    }
}
