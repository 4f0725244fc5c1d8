import Configuration
import Foundation
import SystemPackage

/// Where the settings come from, through swift-configuration's `ConfigReader`: command-line overrides, then
/// the process environment, then a `.env` file when there is one (its `EnvironmentVariablesProvider` takes
/// plain `NAME=value` lines and `#` comment lines). Reads each ``Setting`` with its check and default, and
/// turns a bad value into one ``ConfigurationError``.
public struct ConfigurationSource: Sendable {
    public let reader: ConfigReader

    public init(reader: ConfigReader) {
        self.reader = reader
    }

    /// `overrides` (keyed by variable name, e.g. from command-line options) over `environment` over the
    /// `.env` file at `dotEnv` (a missing file is no error; an unreadable one is a ``ConfigurationError``).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            overrides: [String: String] = [:],
                            dotEnv: URL? = URL(fileURLWithPath: ".env")) async throws -> ConfigurationSource {
        let secrets = SecretsSpecifier<String, String>.specific(Set(Settings.all.filter(\.isSecret).map(\.name)))
        var providers: [any ConfigProvider] = []
        if !overrides.isEmpty {
            providers.append(EnvironmentVariablesProvider(environmentVariables: overrides, secretsSpecifier: secrets))
        }
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets))
        if let dotEnv {
            let file: EnvironmentVariablesProvider
            do {
                file = try await EnvironmentVariablesProvider(environmentFilePath: FilePath(dotEnv.path),
                                                              allowMissing: true, secretsSpecifier: secrets)
            } catch {
                throw ConfigurationError(variable: dotEnv.lastPathComponent, problem: "can not be read: \(error)")
            }
            try checkLines(of: file, overriddenBy: Set(environment.keys).union(overrides.keys))
            providers.append(file)
        }
        return ConfigurationSource(reader: ConfigReader(providers: providers))
    }

    /// The value of `setting`: its default when unset or blank.
    public func value<Value>(_ setting: Setting<Value>) throws -> Value {
        if let value = try optionalValue(setting) { return value }
        switch setting.presence {
        case .defaulted:
            return setting.defaultValue!
        case .required(let hint):
            throw ConfigurationError(variable: setting.name, problem: "is required (\(hint))")
        case .optional:
            preconditionFailure("\(setting.name) has no default: read it with optionalValue")
        }
    }

    /// The value of `setting` when it is set to something other than blanks.
    public func optionalValue<Value>(_ setting: Setting<Value>) throws -> Value? {
        guard let text = self.text(setting.name, isSecret: setting.isSecret) else { return nil }
        do throws(SettingRefusal) {
            return try setting.convert(text)
        } catch {
            let problem = error.showsValue ? "\(error.problem), got \(shown(text))" : error.problem
            throw ConfigurationError(variable: setting.name, problem: problem)
        }
    }

    /// Whether the variable `name` is set to something other than blanks.
    public func isSet(_ name: String) -> Bool {
        text(name, isSecret: Settings.all.contains { $0.name == name && $0.isSecret }) != nil
    }

    /// The trimmed text of a variable; nil when unset or blank. Its key is the name as one component, which
    /// `EnvironmentVariablesProvider` looks up as that same name.
    private func text(_ name: String, isSecret: Bool) -> String? {
        guard let raw = reader.string(forKey: ConfigKey([name]), isSecret: isSecret)?
            .trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        return raw
    }

    /// A refused value quoted for the error line: never the secret key or a token (pasted into the wrong
    /// variable), and never a URL's password.
    private func shown(_ raw: String) -> String {
        for secret in [Settings.Qiscus.secretKey, Settings.HTTP.adminToken, Settings.HTTP.metricsToken] {
            if let key = text(secret.name, isSecret: true), raw.contains(key) {
                return "a value holding \(secret.name) (not shown)"
            }
        }
        var text = raw
        if var parts = URLComponents(string: raw), parts.password != nil {
            parts.password = "***"
            text = parts.string ?? "(a URL with a password)"
        }
        return "\"\(text.prefix(80))\""
    }
}
