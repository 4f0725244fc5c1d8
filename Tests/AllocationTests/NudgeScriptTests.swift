import Allocation
import Testing

/// `lua/nudge.lua`: every return code and argument check.
@Suite struct NudgeScriptTests {
    @Test func wakesOneWorkerOnlyWhenRoomsWait() async throws {
        let f = try StoreFixture(wakeCap: 2)
        let idle = try await f.store.run(Nudge())
        #expect(idle.code == .idle && idle.queued == 0)
        #expect(try await f.snapshot().wakeTokens == 0, "nothing queued: nothing pushed")
        try await f.enqueue("1")
        try await f.enqueue("2")
        let nudged = try await f.store.run(Nudge())
        #expect(nudged.code == .nudged && nudged.queued == 2)
        #expect(try await f.redis.execute(["LRANGE", f.keys.wake, "0", "-1"]).array?.compactMap(\.string) == ["q", "c"],
                "a capacity token, and the list stays within its cap")
    }

    @Test(arguments: [(["0"], "wake cap"), (["x"], "wake cap"), (["1.5"], "wake cap"), ([], "wake cap")])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.enqueue("1")
        try await f.expectRefusal(Nudge.self, arguments, mentioning: text)
    }
}
