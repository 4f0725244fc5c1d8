import Foundation
import PackagePlugin

/// Embeds every `lua/*.lua` script of the package into the target as `EmbeddedLua.sources`.
///
/// Only the top-level `lua/*.lua` files are scripts. The include files in its subdirectories (`lua/lib/`)
/// are expanded into the scripts that include them by `LuaEmbed`; they are input files all the same, so
/// editing one rebuilds the embedded sources.
@main
struct EmbedLuaPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let directory = context.package.directoryURL.appending(path: "lua")
        let entries = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: [.isDirectoryKey])
        let scripts = entries
            .filter { $0.pathExtension == "lua" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let includes = entries.filter(isDirectory).flatMap(luaFiles(under:))
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedLua.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(scripts.count) Lua scripts from lua/",
                executable: try context.tool(named: "LuaEmbed").url,
                arguments: [output.path] + scripts.map(\.path),
                inputFiles: scripts + includes,
                outputFiles: [output]
            ),
        ]
    }

    private func isDirectory(_ url: URL) -> Bool {
        (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true
    }

    /// The `.lua` files anywhere under `directory`, by path.
    private func luaFiles(under directory: URL) -> [URL] {
        let found = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?.allObjects ?? []
        let files: [URL] = found.compactMap { $0 as? URL }
        return files.filter { $0.pathExtension == "lua" }.sorted { $0.path < $1.path }
    }
}
