import Allocation
import Redis
import Testing
import TestSupport

/// The `Returns:` block in each script's header and its Swift enum say the same thing.
@Suite struct ScriptHeaderTests {
    /// `(code, NAME)` pairs from the header lines `--  <code>  <NAME> ...` below `-- Returns:`.
    static func documentedCodes(of source: String) -> [Int: String] {
        let lines = source.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("-- Returns:") }) else { return [:] }
        var codes: [Int: String] = [:]
        let line = /^--\s+(-?\d+)\s+([A-Z_]+)\s/
        for text in lines[(start + 1)...] {
            guard text.hasPrefix("--") else { break }
            if let match = text.firstMatch(of: line), let code = Int(match.1) { codes[code] = String(match.2) }
        }
        return codes
    }

    /// `NO_CAPACITY` -> `noCapacity`.
    static func camelCase(_ name: String) -> String {
        let parts = name.lowercased().split(separator: "_")
        return parts.first.map(String.init)! + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    static func check<Code: ScriptCode>(_ code: Code.Type) throws {
        let script = try #require(AllocationScripts.all.first { $0.name == Code.script })
        let documented = documentedCodes(of: script.source)
        let mirrored = Dictionary(uniqueKeysWithValues: Code.allCases.map { ($0.rawValue, String(describing: $0)) })
        #expect(!documented.isEmpty, "\(Code.script).lua has a Returns block")
        #expect(documented.mapValues(camelCase) == mirrored, "\(Code.script).lua header vs \(Code.self)")
    }

    @Test func enqueue() throws { try Self.check(EnqueueCode.self) }
    @Test func claim() throws { try Self.check(ClaimCode.self) }
    @Test func reserve() throws { try Self.check(ReserveCode.self) }
    @Test func commit() throws { try Self.check(CommitCode.self) }
    @Test func rollback() throws { try Self.check(RollbackCode.self) }
    @Test func release() throws { try Self.check(ReleaseCode.self) }
    @Test func recover() throws { try Self.check(RecoverCode.self) }
    @Test func extend() throws { try Self.check(ExtendCode.self) }
    @Test func revive() throws { try Self.check(ReviveCode.self) }
    @Test func reconcile() throws { try Self.check(ReconcileCode.self) }

    /// The KEYS the store passes are, in order, the keys each header lists (by their names).
    @Test func theKeysPassedAreTheKeysEachHeaderLists() throws {
        let keys = try Keyspace(prefix: "p", app: "a")
        let line = /^--\s+KEYS\[(\d+)\]\s+(\w+)/
        for script in AllocationScripts.all {
            let listed = script.source.split(separator: "\n").compactMap { text -> (Int, String)? in
                guard let match = String(text).firstMatch(of: line), let index = Int(match.1) else { return nil }
                return (index, String(match.2))
            }
            #expect(listed.map(\.0) == Array(1...max(1, listed.count)), "\(script.name).lua numbers its KEYS 1...n")
            let passed = keys.keys(of: script.name).map { $0.split(separator: ":").last.map(String.init) ?? "" }
            #expect(passed == listed.map(\.1), "\(script.name).lua header vs Keyspace.keys(of:)")
        }
    }

    @Test func everyScriptHasAHeaderOfKeysAndArguments() {
        for script in AllocationScripts.all {
            #expect(script.source.contains("-- KEYS[1]"), "\(script.name).lua lists its KEYS")
            #expect(script.source.contains("-- ARGV[1]"), "\(script.name).lua lists its ARGV")
        }
    }

    @Test func everyScriptLoads() throws {
        let redis = try RedisServerProcess.shared.connect()
        for script in AllocationScripts.all { #expect(try script.load(on: redis).count == 40) }
    }
}
