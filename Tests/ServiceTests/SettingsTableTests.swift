import Allocation
import AllocatorService
import Foundation
import Testing

/// ``Settings``, the one table of variables, against the documents and the modules' own defaults.
@Suite struct SettingsTableTests {
    /// The package directory, found from this file.
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func names(in text: Substring) -> [String] {
        text.split(separator: "`").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            .filter { $0.range(of: "^[A-Z][A-Z0-9_]+$", options: .regularExpression) != nil }
    }

    @Test func everyDefaultPassesItsOwnCheckAndNamesAreUnique() async {
        for setting in Settings.all {
            #expect(setting.defaultIsValid, "\(setting.name)")
            #expect(!setting.meaning.isEmpty && !setting.allowed.isEmpty, "\(setting.name)")
        }
        #expect(Set(Settings.all.map(\.name)).count == Settings.all.count)
    }

    /// Each row of README.md's configuration table as (names in its first column, its default column).
    static func readmeRows() throws -> [(names: [String], defaultColumn: Substring)] {
        let readme = try String(contentsOf: package.appendingPathComponent("README.md"), encoding: .utf8)
        let lines = readme.split(separator: "\n", omittingEmptySubsequences: false)
        let header = try #require(lines.firstIndex { $0.hasPrefix("| variable | default | meaning |") })
        return lines[(header + 2)...].prefix { $0.hasPrefix("|") }.map { line in
            let columns = line.split(separator: "|", omittingEmptySubsequences: false)
            return (names(in: columns[1]), columns[2])
        }
    }

    @Test func readmesTableListsEveryVariableWithItsDefault() async throws {
        let rows = try Self.readmeRows()
        for setting in Settings.all {
            let row = try #require(rows.first { $0.names.contains(setting.name) }, "\(setting.name) is not in README.md")
            switch setting.presence {
            case .defaulted(let text):
                #expect(row.defaultColumn.contains("`\(text)`"), "README.md's default of \(setting.name): \(row.defaultColumn)")
            case .required:
                #expect(row.defaultColumn.contains("required"), "\(setting.name): \(row.defaultColumn)")
            case .optional:
                #expect(row.defaultColumn.contains("unset"), "\(setting.name): \(row.defaultColumn)")
            }
        }
        #expect(Set(rows.flatMap(\.names)) == Set(Settings.all.map(\.name)), "README.md lists no other variable")
    }

    @Test func exampleEnvListsEveryVariableWithItsDefaultAndLoads() async throws {
        let file = Self.package.appendingPathComponent(".example.env")
        let text = try String(contentsOf: file, encoding: .utf8)
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1)
            values[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        #expect(Set(values.keys) == Set(Settings.all.map(\.name)), ".example.env lists every variable, and no other")
        for setting in Settings.all {
            if let text = setting.defaultText { #expect(values[setting.name] == text, "\(setting.name)") }
        }
        // Copied to .env as it is, it passes every check.
        let c = try await ServiceConfiguration.load(environment: [:], dotEnv: file)
        #expect(c.qiscusAppID == "your-app-code")
    }

    /// Allocation's types keep defaults of their own (for its tests and other callers); they are those of
    /// `allocator serve` with the default configuration.
    @Test func theAllocationModulesDefaultsAgreeWithTheTable() async throws {
        let c = try await ServiceConfiguration.load(environment: ServiceConfigurationTests.required, dotEnv: nil)
        #expect(WorkerSettings() == c.workerSettings)
        #expect(RetryPolicy().attempts == Settings.Qiscus.maxAttempts.defaultValue)
    }
}
