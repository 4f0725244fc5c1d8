import Allocation
import Redis
import Testing

/// `lua/override.lua`: an agent's own limit and pause, merged into what is stored.
@Suite struct OverrideScriptTests {
    @Test func aMergeKeepsClearsOrSetsEachPart() async throws {
        let f = try StoreFixture()
        #expect(try await f.override(7) == (nil, false), "nothing stored yet")
        #expect(try await f.override(7, limit: .set(3)) == (3, false))
        #expect(try await f.override(7, paused: true) == (3, true), "the limit is kept")
        #expect(try await f.override(7) == (3, true), "keep, keep")
        #expect(try await f.override(7, limit: .set(10_000)).limit == 10_000)
        #expect(try await f.override(7, limit: .clear) == (nil, true),
                "the pause is kept")
        #expect(try await f.override(7, paused: false) == (nil, false))
        #expect(try await f.hash(f.keys.limit).isEmpty)
        #expect(try await f.hash(f.keys.paused).isEmpty, "clear and resume delete the fields")
        #expect(try await f.override(7, limit: .set(1), paused: true) == (1, true))
        #expect(try await f.hash(f.keys.limit) == ["7": "1"])
        #expect(try await f.hash(f.keys.paused) == ["7": "1"])
        #expect(try await f.override(8, limit: .clear, paused: false) == (nil, false),
                "clearing what an agent does not have is fine")
        #expect(try await f.hash(f.keys.limit) == ["7": "1"], "other agents are untouched")
    }

    /// ARGV: agent id, limit ('' | 'clear' | 1..10000), paused ('' | '0' | '1'), wake cap.
    @Test(arguments: [
        (["7", "0", "", "8"], "limit"), (["7", "-1", "", "8"], "limit"), (["7", "10001", "", "8"], "limit"), (["7", "abc", "", "8"], "limit"),
        (["7", "1.5", "", "8"], "limit"), (["7", "1e3", "", "8"], "limit"), (["7", " 5", "", "8"], "limit"), (["7", "0x10", "", "8"], "limit"),
        (["7", "CLEAR", "", "8"], "limit"), (["7", "", "2", "8"], "paused"), (["7", "", "true", "8"], "paused"), (["7", "3", "yes", "8"], "paused"),
        (["x", "3", "", "8"], "agent id"), (["1.5", "3", "", "8"], "agent id"), (["", "3", "", "8"], "agent id"), (["-7", "3", "", "8"], "agent id"),
        ([String(repeating: "1", count: 21), "3", "", "8"], "agent id"), (["7", "3", "", "0"], "wake cap"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.override(7, limit: .set(2), paused: true)
        try await f.expectRefusal(Override.self, arguments, mentioning: text)
        #expect(try await f.override(7) == (2, true))
    }

    /// A change that may give an agent room wakes a worker ('c'); a pause alone does not.
    @Test func aChangeThatMayGiveRoomWakesAWorker() async throws {
        let f = try StoreFixture()
        try await f.override(7, paused: true)
        #expect(try await f.wakeTokens().isEmpty, "a pause gives nobody room")
        try await f.override(7, paused: false)
        #expect(try await f.wakeTokens() == ["c"])
        try await f.override(7, limit: .set(3))
        try await f.override(7, limit: .clear)
        #expect(try await f.wakeTokens() == ["c", "c", "c"])
    }

    @Test func anyAgentIdOfTwentyDigitsIsAccepted() async throws {
        let f = try StoreFixture()
        let reply = try await f.raw(Override.self, [String(repeating: "9", count: 20), "5", "1", "8"])
        #expect(reply.array?.first?.int == 1)
        #expect(try await f.hash(f.keys.limit) == [String(repeating: "9", count: 20): "5"])
    }
}
