import Allocation
import Foundation
import Redis
import Testing
import TestSupport

/// The shared helpers in `lua/lib/`, expanded into the scripts by `LuaEmbed` at build time
/// (`--- @include "lib/file.lua"`), and the tool's handling of duplicate, missing and cyclic includes.
@Suite struct LuaIncludeTests {
    /// The package's `lua/` directory (the include files are not embedded on their own, so they are read here).
    static let luaDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("lua")

    /// Every include file, as its include path (`lib/time.lua`) and text.
    static func includeFiles() throws -> [(path: String, text: String)] {
        let library = luaDirectory.appendingPathComponent("lib")
        let names = try FileManager.default.contentsOfDirectory(atPath: library.path).filter { $0.hasSuffix(".lua") }.sorted()
        return try names.map { name in
            ("lib/\(name)", try String(contentsOf: library.appendingPathComponent(name), encoding: .utf8))
        }
    }

    /// The functions a Lua text defines (`local function NAME(`). Scanned by hand, not with a regex literal: the
    /// tests of this suite run in parallel, and a regex literal's lazily compiled program, shared between
    /// threads, crashed the test process once (swift_release inside `Executor._firstMatch`).
    static func helpers(in text: String) -> [String] {
        text.components(separatedBy: "local function ").dropFirst().compactMap { rest in
            let name = rest.drop { $0 == " " }.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
            return name.isEmpty || name.first?.isNumber == true ? nil : String(name)
        }
    }

    /// How often `text` occurs in `source`.
    static func occurrences(of text: String, in source: String) -> Int {
        source.components(separatedBy: text).count - 1
    }

    @Test func theLibraryHasIncludeFilesWithHelpers() throws {
        let files = try Self.includeFiles()
        #expect(!files.isEmpty)
        for file in files { #expect(!Self.helpers(in: file.text).isEmpty, "\(file.path) defines local functions") }
    }

    @Test func noEmbeddedScriptContainsAnInclude() {
        for script in ScriptLibrary.scriptsByName.values {
            #expect(!script.source.contains("@include"), "\(script.name).lua was expanded")
        }
    }

    @Test func everyHelperIsDefinedAtMostOnceInEveryScript() throws {
        let helpers = try Self.includeFiles().flatMap { Self.helpers(in: $0.text) }
        #expect(Set(helpers).count == helpers.count, "no two include files define the same helper")
        for script in ScriptLibrary.scriptsByName.values {
            let defined = Self.helpers(in: script.source)
            for helper in helpers {
                #expect(defined.filter { $0 == helper }.count <= 1, "\(script.name).lua defines \(helper) once at most")
            }
        }
    }

    @Test func everyIncludeFileIsUsedByAScript() throws {
        for file in try Self.includeFiles() {
            let text = file.text.hasSuffix("\n") ? String(file.text.dropLast()) : file.text
            #expect(ScriptLibrary.scriptsByName.values.contains { $0.source.contains(text) }, "\(file.path) is included somewhere")
        }
    }

    @Test func everyHelperIsCalledByAScript() throws {
        for helper in try Self.includeFiles().flatMap({ Self.helpers(in: $0.text) }) {
            let called = ScriptLibrary.scriptsByName.values.contains { script in
                Self.occurrences(of: "\(helper)(", in: script.source) > Self.helpers(in: script.source).filter { $0 == helper }.count
            }
            #expect(called, "\(helper) is called by a script")
        }
    }

    /// The script's own shebang and header (every line before its first include, KEYS to Returns) open the
    /// expanded source.
    @Test func theHeaderComesFirst() throws {
        for script in ScriptLibrary.scriptsByName.values {
            let file = try String(contentsOf: Self.luaDirectory.appendingPathComponent("\(script.name).lua"), encoding: .utf8)
            let lines = file.split(separator: "\n", omittingEmptySubsequences: false)
            let firstInclude = lines.firstIndex { $0.contains("@include") } ?? lines.endIndex
            let returns = try #require(lines.firstIndex { $0.hasPrefix("-- Returns:") }, "\(script.name).lua has a Returns block")
            #expect(firstInclude > returns, "\(script.name).lua includes after its header")
            #expect(lines.first?.hasPrefix("#!lua") == true && lines.dropFirst().first?.hasPrefix("--") == true,
                    "\(script.name).lua: line 1 is its own shebang, line 2 starts its header")
            let header = lines[..<firstInclude].joined(separator: "\n")
            #expect(script.source.hasPrefix(header), "\(script.name).lua: the header comes first in the expanded source")
        }
    }

    @Test func theExpandedScriptsLoad() async throws {
        let running = try RedisServerProcess.shared.client()
        for script in ScriptLibrary.scriptsByName.values {
            #expect(try await script.load(on: running.service).count == 40, "\(script.name).lua loads")
        }
    }

    // MARK: the LuaEmbed tool

    @Test func aMissingIncludeFailsNamingTheScriptAndThePath() throws {
        let run = try Self.embed([
            "broken.lua": "-- broken.lua: includes a file that is not there\n--- @include \"lib/missing.lua\"\nreturn 1\n",
        ])
        #expect(run.status != 0)
        #expect(run.output.contains("broken.lua"), "\(run.output)")
        #expect(run.output.contains("lib/missing.lua"), "\(run.output)")
        #expect(run.generated == nil, "nothing generated")
    }

    @Test func anIncludeCycleFails() throws {
        let run = try Self.embed([
            "loop.lua": "-- loop.lua\n--- @include \"lib/p.lua\"\nreturn 1\n",
            "lib/p.lua": "-- p\n--- @include \"lib/q.lua\"\n",
            "lib/q.lua": "-- q\n--- @include \"lib/p.lua\"\n",
        ])
        #expect(run.status != 0)
        #expect(run.output.contains("loop.lua"), "\(run.output)")
        #expect(run.output.contains("lib/p.lua -> lib/q.lua -> lib/p.lua"), "\(run.output)")
        #expect(run.generated == nil, "nothing generated")
    }

    @Test func anIncludeOnLineOneFails() throws {
        let run = try Self.embed([
            "first.lua": "--- @include \"lib/a.lua\"\nreturn 1\n",
            "lib/a.lua": "-- a\n",
        ])
        #expect(run.status != 0)
        #expect(run.output.contains("first.lua:1"), "\(run.output)")
    }

    /// A file included twice, directly and through another include, is expanded once; the result runs.
    @Test func aFileIncludedTwiceIsExpandedOnce() async throws {
        let run = try Self.embed([
            "main.lua": """
                -- main.lua: the first line stays first
                --- @include "lib/a.lua"
                --- @include "lib/b.lua"
                --- @include "lib/a.lua"
                return one() + two()

                """,
            "lib/a.lua": "-- lib a\nlocal function one() return 1 end\n",
            "lib/b.lua": "-- lib b\n--- @include \"lib/a.lua\"\nlocal function two() return one() + 1 end\n",
        ])
        #expect(run.status == 0, "\(run.output)")
        let generated = try #require(run.generated)
        let opening = try #require(generated.range(of: "\"main\": #\"\"\"\n"))
        let closing = try #require(generated.range(of: "\n\"\"\"#", range: opening.upperBound..<generated.endIndex))
        let source = String(generated[opening.upperBound..<closing.lowerBound])
        #expect(source == """
            -- main.lua: the first line stays first
            -- lib a
            local function one() return 1 end
            -- lib b
            local function two() return one() + 1 end
            return one() + two()

            """)
        let running = try RedisServerProcess.shared.client()
        #expect(try await running.service.run(RedisScript(name: "main", source: source), keys: [], arguments: []).int == 3)
    }

    /// The result of one `LuaEmbed` run.
    struct EmbedRun {
        let status: Int32
        /// stdout and stderr.
        let output: String
        /// The generated Swift file, nil when none was written.
        let generated: String?
    }

    /// Writes `files` (paths relative to a fresh directory) and runs `LuaEmbed` on its top-level `.lua` files.
    static func embed(_ files: [String: String]) throws -> EmbedRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-luaembed-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, text) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let scripts = files.keys.filter { !$0.contains("/") }.sorted().map { directory.appendingPathComponent($0).path }
        let generated = directory.appendingPathComponent("EmbeddedLua.swift")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try luaEmbedBinary())
        process.arguments = [generated.path] + scripts
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return EmbedRun(status: process.terminationStatus, output: output,
                        generated: try? String(contentsOf: generated, encoding: .utf8))
    }

    /// `LuaEmbed`, built next to the test bundle by `swift build --build-tests`.
    static func luaEmbedBinary() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            for name in ["LuaEmbed", "LuaEmbed-tool"] {
                let candidate = directory.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            }
            directory = directory.deletingLastPathComponent()
        }
        throw TestSupportError("the LuaEmbed tool was not found next to \(bundle.path); run `swift build --build-tests`")
    }
}
