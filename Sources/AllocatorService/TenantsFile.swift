import Foundation
import Qiscus
import Routing
import Yams

/// `TENANTS_FILE`: the apps one deployment allocates for, `{"apps": [<app>, ...]}` in JSON or YAML (by the
/// extension, as a routes file), each app
/// `{"app_id", "secret_key", "webhook_secret", "base_url", "max_customers_per_agent", "routes_file", "admin_token",
/// "queue_message"}`. `app_id` and `secret_key` are required; every other field, when absent, takes the global
/// setting. Each value is checked by the rule of the variable it stands for (`base_url` as `QISCUS_BASE_URL`, ...),
/// a `routes_file` is read relative to the tenants file's directory, unknown fields and repeated app ids are
/// refused. Nothing partial: the first problem is thrown, naming the file, the app and the field.
public enum TenantsFile {
    /// The most apps one deployment takes.
    public static let maxApps = 1_000
    /// The fields whose value is a number.
    static let numberFields: Set<String> = ["max_customers_per_agent"]
    static let fields = ["app_id", "secret_key", "webhook_secret", "base_url", "max_customers_per_agent", "routes_file",
                         "admin_token", "queue_message"]

    /// Reads and checks the file at `path` (relative to the working directory unless absolute); `defaults` holds
    /// the global settings a field left out takes.
    public static func load(path: String, defaults: AppConfiguration = AppConfiguration(appID: "", secretKey: "")) throws(TenantsFileError) -> [AppConfiguration] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TenantsFileError(file: path, app: nil, field: nil, problem: "can not be read: \(error.localizedDescription)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        return try decode(data, format: RouteFileFormat(path: path), fileName: path, directory: directory, defaults: defaults)
    }

    /// Decodes and checks a tenants file's contents; `directory` is where its `routes_file`s are found.
    public static func decode(_ data: Data, format: RouteFileFormat, fileName: String, directory: URL,
                              defaults: AppConfiguration = AppConfiguration(appID: "", secretKey: "")) throws(TenantsFileError) -> [AppConfiguration] {
        func problem(_ app: String?, _ field: String?, _ text: String) -> TenantsFileError {
            TenantsFileError(file: fileName, app: app, field: field, problem: text)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw problem(nil, nil, "is not UTF-8 text") }
        if format == .json {
            // Strict RFC 8259 first (no trailing commas, comments or repeated keys); then read like YAML, of which
            // JSON is a part, so both formats give the same values.
            do { try StrictJSON.validate(data) } catch { throw problem(nil, nil, "is not valid JSON: \(error)") }
        }
        let document: Any?
        do {
            document = try Yams.load(yaml: text)
        } catch {
            throw problem(nil, nil, "is not valid \(format == .json ? "JSON" : "YAML"): \(error)")
        }
        guard let root = document as? [String: Any] else {
            throw problem(nil, nil, "must hold an object with an \"apps\" list")
        }
        if let unknown = root.keys.sorted().first(where: { $0 != "apps" }) {
            throw problem(nil, unknown, "is not a field of a tenants file (apps)")
        }
        guard let entries = root["apps"] as? [Any], !entries.isEmpty else {
            throw problem(nil, "apps", "must be a list of at least one app")
        }
        guard entries.count <= maxApps else { throw problem(nil, "apps", "must hold at most \(maxApps) apps") }
        var apps: [AppConfiguration] = []
        var seen: Set<String> = []
        for (index, entry) in entries.enumerated() {
            let app = try decodeApp(entry, position: index + 1, directory: directory, defaults: defaults, problem: problem)
            guard seen.insert(app.appID).inserted else {
                throw problem(quoted(app.appID), "app_id", "is given twice")
            }
            apps.append(app)
        }
        return apps
    }

    private static func decodeApp(_ entry: Any, position: Int, directory: URL, defaults: AppConfiguration,
                                  problem: (String?, String?, String) -> TenantsFileError) throws(TenantsFileError) -> AppConfiguration {
        guard let object = entry as? [String: Any] else { throw problem("#\(position)", nil, "must be an object") }
        let rawID = object["app_id"] as? String
        let name = rawID.map(quoted) ?? "#\(position)"
        if let unknown = object.keys.sorted().first(where: { !fields.contains($0) }) {
            throw problem(name, unknown, "is not a field of an app (\(fields.joined(separator: ", ")))")
        }
        /// A field's text, checked by the rule of the setting it stands for.
        func value<Value>(_ field: String, _ setting: Setting<Value>) throws(TenantsFileError) -> Value? {
            guard let raw = object[field], !(raw is NSNull) else { return nil }
            let text: String
            switch raw {
            case let string as String: text = string
            // Only a number field takes a number: YAML reads a plain 0123 as octal 83 and 1_000 as 1000, which
            // would change a key or an id without a word.
            case let number as Int where !(raw is Bool) && numberFields.contains(field): text = String(number)
            case is Int, is Double: throw problem(name, field, "must be text: put it in quotes")
            default: throw problem(name, field, "must be \(setting.allowed)")
            }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw problem(name, field, "must not be empty") }
            do {
                return try setting.convert(trimmed)
            } catch {
                throw problem(name, field, error.problem)
            }
        }
        guard let appID = try value("app_id", Settings.Store.appID) else { throw problem(name, "app_id", "is required") }
        guard appID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw problem(name, "app_id", "must be letters, digits, '-', '_' or '.' (it is part of the app's paths)")
        }
        guard let secretKey = try value("secret_key", Settings.Qiscus.secretKey) else {
            throw problem(name, "secret_key", "is required")
        }
        var app = defaults
        app.appID = appID
        app.secretKey = secretKey
        app.webhookSecret = try value("webhook_secret", Settings.HTTP.webhookSecret) ?? defaults.webhookSecret
        app.baseURL = try value("base_url", Settings.Qiscus.baseURL) ?? defaults.baseURL
        app.maxCustomersPerAgent = try value("max_customers_per_agent", Settings.Worker.maxCustomersPerAgent)
            ?? defaults.maxCustomersPerAgent
        app.adminToken = try value("admin_token", Settings.HTTP.adminToken) ?? defaults.adminToken
        app.queueMessage = try value("queue_message", Settings.QueueMessages.template) ?? defaults.queueMessage
        if let file = try value("routes_file", Setting.text("routes_file", .optional, meaning: "")) {
            let path = file.hasPrefix("/") ? file : directory.appendingPathComponent(file).path
            do {
                app.routes = try RouteTable.load(path: path)
            } catch {
                throw problem(name, "routes_file", "is refused: \(error)")
            }
            app.routesFile = file
        }
        return app
    }

    private static func quoted(_ text: String) -> String { "\"\(text.prefix(64))\"" }
}
