import Foundation
import Redis
import Testing
import TestSupport

/// The key slots the client computes are the ones a real cluster node computes (`CLUSTER KEYSLOT`).
@Suite struct RedisKeySlotTests {
    @Test func slotsMatchClusterKeyslotForManyKeys() async throws {
        let cluster = try await onThread { try RedisCluster.shared } // starting it blocks: not on a thread of the cooperative pool
        var random = SplitMix64(seed: 20_240_611)
        var keys = ["", "a", "123456789", "somekey", "foo{hash_tag}", "{}", "{}x", "x{}", "foo{}{bar}", "foo{{bar}}",
                    "foo{bar}{zap}", "{user1000}.following", "{user1000}.followers", "}{", "{", "}", "a{b", "a}b{c}",
                    "{ }", "caa:{demo-app-code}:queue", "é{ü}", "日本{語}", "\u{0}{\u{1}}"]
        let alphabet = Array("ab{}:x-_é日0".unicodeScalars)
        for _ in 0..<1500 {
            let length = Int.random(in: 0...12, using: &random)
            keys.append(String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &random)! })))
        }
        let asked = keys
        let replies = try await onThread {
            try cluster.connect(port: cluster.ports[0]).pipeline(asked.map { ["CLUSTER", "KEYSLOT", $0] })
        }
        for (key, reply) in zip(keys, replies) {
            #expect(reply.int.map(Int.init) == RedisKeySlot.slot(of: key), "\(key.debugDescription)")
        }
    }

    @Test func theKeysOfACommandAreFoundWhereTheyAre() {
        #expect(RedisKeySlot.firstKey(of: ["GET", "k"]) == "k")
        #expect(RedisKeySlot.firstKey(of: ["EVALSHA", "abc", "2", "k1", "k2", "arg"]) == "k1")
        #expect(RedisKeySlot.firstKey(of: ["EVAL", "return 1", "0", "arg"]) == nil)
        #expect(RedisKeySlot.firstKey(of: ["TIME"]) == nil)
        #expect(RedisKeySlot.firstKey(of: ["SCRIPT", "LOAD", "return 1"]) == nil)
        #expect(RedisKeySlot.firstKey(of: ["info", "cluster"]) == nil)
        #expect(RedisKeySlot.slot(of: [["MULTI"], ["TIME"], ["INCR", "{a}x"], ["EXEC"]]) == RedisKeySlot.slot(of: "a"))
        #expect(RedisKeySlot.slot(of: [["PING"], ["TIME"]]) == nil)
    }
}
