import Allocation
import Foundation
import Redis
import Testing
import TestSupport

/// Every key a script touches lives in one Redis Cluster slot.
@Suite struct ClusterSlotTests {
    /// CRC16/XMODEM as Redis Cluster uses it, and the hash-tag rule: the slot of the text between the first
    /// `{` and the next `}` when that is not empty, else of the whole key.
    static func slot(of key: String) -> Int {
        var bytes = Array(key.utf8)
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            bytes = Array(bytes[(open + 1)..<close])
        }
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return Int(crc) % 16384
    }

    @Test func theSlotFunctionMatchesRedisReferenceValues() {
        #expect(Self.slot(of: "123456789") == 0x31C3 % 16384) // the CRC16/XMODEM check value
        #expect(Self.slot(of: "somekey") == 11058)            // from the CLUSTER KEYSLOT documentation
        #expect(Self.slot(of: "foo{hash_tag}") == 2515)
        #expect(Self.slot(of: "foo{}{bar}") == Self.slot(of: "foo{}{bar}")) // empty tag: whole key
        #expect(Self.slot(of: "{user1000}.following") == Self.slot(of: "{user1000}.followers"))
    }

    @Test(arguments: ["demo-app-code", "app", "x", "a:b:c"])
    func everyKeyOfAnAppSharesOneSlot(app: String) async throws {
        let keys = try Keyspace(prefix: "caa", app: app)
        #expect(Set(keys.all.map(Self.slot(of:))).count == 1)
        #expect(Set(keys.all).count == keys.all.count, "no two names collide")
        #expect(keys.queue == "caa:{\(app)}:queue")
    }

    @Test(arguments: ["", "a{b", "a}b", "a b", String(repeating: "x", count: 129)])
    func appIdsThatWouldBreakTheHashTagAreRefused(app: String) {
        #expect(throws: AllocationError.self) { try Keyspace(app: app) }
        #expect(throws: AllocationError.self) { try Keyspace(prefix: app, app: "ok") }
    }

    /// Every `redis.call` in every script names its key through `KEYS[...]` (never a key built inside the
    /// script, which Redis Cluster could not route), except the key-less `TIME`.
    @Test func scriptsOnlyTouchDeclaredKeys() async throws {
        let call = try Regex(#"redis\.call\('([A-Z]+)'(?:,\s*([^,\)]+))?"#)
        for script in ScriptLibrary.scriptsByName.values {
            var calls = 0
            for match in script.source.matches(of: call) {
                calls += 1
                let command = match.output[1].substring.map(String.init) ?? ""
                let key = match.output[2].substring.map(String.init) ?? ""
                if command == "TIME" { continue }
                #expect(key.hasPrefix("KEYS["), "\(script.name).lua: \(command) on \(key)")
            }
            #expect(calls > 0, "\(script.name).lua makes redis calls")
        }
    }

    /// A real single-node Redis Cluster that owns every slot: EVALSHA refuses keys of different slots
    /// (CROSSSLOT), so a whole room lifecycle running here proves the scripts' keys share one slot.
    @Test func aWholeLifecycleRunsOnARedisCluster() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-cluster-\(UUID().uuidString)")
        let server = try RedisServerProcess.start(arguments: [
            "--cluster-enabled", "yes", "--cluster-config-file", directory.appendingPathComponent("nodes.conf").path,
        ], directory: directory)
        defer { inBackground { server.stop() } }
        let redis = server.connect()
        try redis.execute(["CLUSTER", "ADDSLOTSRANGE", "0", "16383"])
        let deadline = Date().addingTimeInterval(10)
        while try redis.execute(["CLUSTER", "INFO"]).string?.contains("cluster_state:ok") != true, Date() < deadline {
            try await Task.sleep(for: .seconds(0.05))
        }
        // A deliberately wrong pair of keys is refused, so the check below can fail.
        let crossSlot = RedisScript(name: "cross", source: "return 1")
        let f = try StoreFixture(server: server)
        await #expect(throws: RedisError.self) { try await f.redis.run(crossSlot, keys: ["a{x}", "b{y}"], arguments: []) }

        try await f.enqueue("1")
        try await f.enqueue("2")
        #expect(try await f.claim(token: "x", lease: 1).room == "1")
        #expect(try await f.claim(token: "t").room == "2")
        #expect(try await f.reserve("2", token: "t", [(5, 0)]).code == .reserved)
        #expect(try await f.store.run(Commit(room: "2", token: "t", agent: 5)).code == .committed)
        try await Task.sleep(for: .seconds(0.01))
        #expect(try await f.store.run(Recover(batch: 5)).code == .recovered)
        #expect(try await f.claim(token: "y").room == "1")
        #expect(try await f.store.run(Rollback(room: "1", token: "y", agent: nil, to: .dead(reason: "r"))).code == .dead)
        #expect(try await f.store.run(Release(room: "2")).code == .released)
        #expect(try await f.store.run(Release(room: "1")).code == .deadRemoved)
        #expect(try await f.enqueue("3") == .queued)
        _ = try await f.snapshot()
    }
}
