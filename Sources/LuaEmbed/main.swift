// LuaEmbed: build-time tool run by EmbedLuaPlugin. Writes a Swift file holding each lua/*.lua source as a
// raw string literal, so the built binary carries the scripts and `lua/` stays their only copy.
// A script's `--- @include "lib/file.lua"` lines are expanded first (see IncludeExpander), so each embedded
// source is one self-contained script; a missing include or an include cycle fails the build.
// Usage: LuaEmbed <output.swift> <script.lua>...
import Foundation

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first else {
    FileHandle.standardError.write(Data("usage: LuaEmbed <output.swift> <script.lua>...\n".utf8))
    exit(2)
}

/// A raw string delimiter longer than any run of `#` that follows a quote in the text.
func delimiter(for text: String) -> String {
    var longest = 0
    var run = -1
    for character in text {
        if character == "\"" {
            run = 0
        } else if character == "#", run >= 0 {
            run += 1
            longest = max(longest, run)
        } else {
            run = -1
        }
    }
    return String(repeating: "#", count: longest + 1)
}

var entries: [String] = []
for path in arguments.dropFirst().sorted() {
    let url = URL(fileURLWithPath: path)
    let name = url.deletingPathExtension().lastPathComponent
    let source: String
    do {
        source = try IncludeExpander.expand(script: url)
    } catch {
        FileHandle.standardError.write(Data("\(error)\n".utf8))
        exit(1)
    }
    let hashes = delimiter(for: source)
    entries.append("    \"\(name)\": \(hashes)\"\"\"\n\(source)\n\"\"\"\(hashes),")
}
let file = """
// Generated at build time by LuaEmbed from lua/*.lua (includes expanded). Do not edit; edit lua/ instead.
enum EmbeddedLua {
    /// Script sources by file name without `.lua`.
    static let sources: [String: String] = [
\(entries.joined(separator: "\n"))
    ]
}

"""
try file.write(toFile: output, atomically: true, encoding: .utf8)
