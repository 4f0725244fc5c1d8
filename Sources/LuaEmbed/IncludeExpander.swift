import Foundation

/// Expands the `--- @include "path"` lines of one Lua script into a single self-contained source.
///
/// An include line is replaced by the text of the file it names (a path relative to the script's directory,
/// in every file, nested includes too); a file is expanded at most once per script, so a second include of it
/// only drops the line. Nothing is ever inserted before the script's first line, which must be its own.
struct IncludeExpander {
    /// A failed expansion: a missing or unreadable file, an include cycle or a malformed include line.
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The script being expanded.
    let script: URL
    /// The directory include paths are relative to.
    private let root: URL
    /// Files expanded so far (standardized paths).
    private var expanded: Set<String> = []

    init(script: URL) {
        self.script = script.standardizedFileURL
        root = self.script.deletingLastPathComponent()
    }

    /// The script's source with every include expanded.
    static func expand(script: URL) throws(Failure) -> String {
        var expander = IncludeExpander(script: script)
        let text = try expander.read(expander.script, includedFrom: nil)
        let lines = try expander.lines(of: expander.script, text: text, chain: [expander.script])
        return lines.joined(separator: "\n") + (text.hasSuffix("\n") ? "\n" : "")
    }

    /// The lines of `file` (`text`, without its final newline) with its includes expanded; `chain` is the
    /// include path from the script down to `file`.
    private mutating func lines(of file: URL, text: String, chain: [URL]) throws(Failure) -> [Substring] {
        var source = Substring(text)
        if source.hasSuffix("\n") { source = source.dropLast() }
        var result: [Substring] = []
        for (index, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let location = "\(file.path):\(index + 1)"
            guard let path = try includePath(in: line, at: location) else {
                result.append(line)
                continue
            }
            if chain.count == 1 && index == 0 {
                throw fail(location, "line 1 of a script must be its own (e.g. its header), not an include")
            }
            let target = root.appending(path: path).standardizedFileURL
            if let start = chain.firstIndex(where: { $0.path == target.path }) {
                let cycle = (chain[start...] + [target]).map(name(of:)).joined(separator: " -> ")
                throw fail(location, "include cycle: \(cycle)")
            }
            guard expanded.insert(target.path).inserted else { continue }
            let included = try read(target, includedFrom: (location, path))
            result += try lines(of: target, text: included, chain: chain + [target])
        }
        return result
    }

    /// The quoted path of an include line, nil for any other line.
    private func includePath(in line: Substring, at location: String) throws(Failure) -> String? {
        guard line.hasPrefix("---"), line.contains("@include") else { return nil }
        guard let match = line.wholeMatch(of: /---\s*@include\s+"([^"]+)"\s*/) else {
            throw fail(location, "malformed include (expected --- @include \"lib/file.lua\"): \(line)")
        }
        return String(match.1)
    }

    private func read(_ file: URL, includedFrom include: (location: String, path: String)?) throws(Failure) -> String {
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            guard let include else { throw fail(file.path, "can not read the script: \(error.localizedDescription)") }
            let missing = FileManager.default.fileExists(atPath: file.path) ? "can not be read" : "does not exist"
            throw fail(include.location, "included file \"\(include.path)\" \(missing) (\(file.path))")
        }
    }

    /// A file's path relative to the script's directory.
    private func name(of file: URL) -> String {
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return file.path.hasPrefix(prefix) ? String(file.path.dropFirst(prefix.count)) : file.path
    }

    /// A compiler-style message naming the script and the place of the problem.
    private func fail(_ location: String, _ message: String) -> Failure {
        Failure(description: "\(location): error: \(name(of: script)): \(message)")
    }
}
