import Configuration

extension ConfigurationSource {
    /// Refuses what swift-configuration's `.env` reader takes differently from a shell (and from this
    /// service's earlier reader): it keeps quotes and a trailing `# comment` in the value, and reads
    /// `export NAME=value` as a variable named `export NAME`. Each would silently change a value, so it stops
    /// start-up naming the variable (never showing the value), unless a variable of `overriddenBy` wins.
    static func checkLines(of file: EnvironmentVariablesProvider, overriddenBy names: Set<String>) throws {
        for name in Settings.all.map(\.name) where !names.contains(name) {
            if (try? file.environmentValue(forName: "export \(name)")) != nil {
                throw ConfigurationError(variable: name, problem: "is written with `export` in .env: write NAME=value")
            }
            guard let value = try? file.environmentValue(forName: name) else { continue }
            if value.count >= 2, let first = value.first, "\"'".contains(first), value.last == first {
                throw ConfigurationError(variable: name, problem: "is quoted in .env: its values are taken as written")
            }
            if value.contains(" #") {
                throw ConfigurationError(variable: name, problem: "has a comment after its value in .env: "
                                             + "put comments on lines of their own")
            }
        }
    }
}
