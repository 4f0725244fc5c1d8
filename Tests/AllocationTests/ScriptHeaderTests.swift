import Allocation
import Redis
import Testing
import TestSupport

/// Each script's header, its Swift type and the shared failure codes say the same thing. The checks run on
/// the expanded text that is loaded into Redis.
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

    /// Non-negative codes mirror the type's `Code`; negative ones are the shared ``ScriptError`` codes.
    static func check<Script: AllocationScript>(_ script: Script.Type) {
        let documented = documentedCodes(of: Script.lua.source)
        #expect(!documented.isEmpty, "\(Script.name).lua has a Returns block")
        let own = documented.filter { $0.key >= 0 }.mapValues(camelCase)
        let mirrored = Dictionary(uniqueKeysWithValues: Script.Code.allCases.map { ($0.rawValue, String(describing: $0)) })
        #expect(own == mirrored, "\(Script.name).lua header vs \(Script.self).Code")
        for (code, name) in documented where code < 0 {
            #expect(ScriptError.sharedCodes[code] == name, "\(Script.name).lua: \(code) \(name) is a shared code")
        }
        #expect(documented[-1] == "INVALID", "\(Script.name).lua refuses bad arguments with -1 INVALID")
    }

    @Test func everyScriptTypeMirrorsItsHeader() {
        for script in ScriptLibrary.all { Self.check(script) }
    }

    @Test func everyEmbeddedScriptHasATypeAndEveryTypeAScript() {
        #expect(Set(ScriptLibrary.all.map { $0.name }) == Set(ScriptLibrary.scriptsByName.keys))
    }

    /// The KEYS a type passes are, in order, the keys its header lists (by their names).
    @Test func theKeysPassedAreTheKeysEachHeaderLists() {
        let line = /^--\s+KEYS\[(\d+)\]\s+(\w+)/
        for script in ScriptLibrary.all {
            let listed = script.lua.source.split(separator: "\n").compactMap { text -> (Int, String)? in
                guard let match = String(text).firstMatch(of: line), let index = Int(match.1) else { return nil }
                return (index, String(match.2))
            }
            #expect(listed.map(\.0) == Array(1...max(1, listed.count)), "\(script.name).lua numbers its KEYS 1...n")
            #expect(script.keys.map(\.rawValue) == listed.map(\.1), "\(script.name).lua header vs \(script).keys")
        }
    }

    @Test func everyScriptHasAHeaderOfKeysAndArguments() {
        for script in ScriptLibrary.all {
            #expect(script.lua.source.contains("-- KEYS[1]"), "\(script.name).lua lists its KEYS")
            #expect(script.lua.source.contains("-- ARGV[1]"), "\(script.name).lua lists its ARGV")
        }
    }

    /// Line 1 of the loaded text is the shebang that tells Redis (7.0 and newer) how the script meets a Redis out
    /// of memory, and the header's one "Under OOM" line says the same and why: `#!lua` is refused whole before
    /// it starts, `#!lua flags=allow-oom` runs.
    @Test func everyScriptsShebangMatchesItsOutOfMemoryLine() {
        let why: [String: String] = ["#!lua": "-- Under OOM: refused whole: ",
                                     "#!lua flags=allow-oom": "-- Under OOM: runs (allow-oom): "]
        for script in ScriptLibrary.all {
            let lines = script.lua.source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let stated = lines.filter { $0.hasPrefix("-- Under OOM:") }
            guard let shebang = lines.first, let expected = why[shebang] else {
                Issue.record("\(script.name).lua: line 1 must be #!lua or #!lua flags=allow-oom, not \(lines.first ?? "")")
                continue
            }
            #expect(stated.count == 1, "\(script.name).lua has one Under OOM line")
            #expect(stated.allSatisfy { $0.hasPrefix(expected) && $0.count > expected.count + 10 },
                    "\(script.name).lua: \(shebang) goes with \"\(expected)<why>\", not \(stated)")
            #expect(!lines.dropFirst().contains { $0.hasPrefix("#!") }, "\(script.name).lua: one shebang, on line 1")
        }
    }

    @Test func everyScriptLoads() async throws {
        let running = try RedisServerProcess.shared.client()
        for script in ScriptLibrary.all { #expect(try await script.lua.load(on: running.service).count == 40) }
    }
}
