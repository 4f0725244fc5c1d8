import AllocatorService
import ArgumentParser

/// The options of the verbs that read one app's keys in Redis (`status`, `agents`, `queue`, `requeue-dead`): each
/// overrides its variable of the environment and `.env`; `--app` picks the app of `TENANTS_FILE` too.
struct StoreOptions: ParsableArguments {
    @Option(help: "Redis URL (default: $REDIS_URL or \(Settings.Store.redisURL.defaultText ?? "")).")
    var redisURL: String?

    @Option(help: "Qiscus app id whose keys to read (default: $QISCUS_APP_ID, or the one app of $TENANTS_FILE; needed when the tenants file holds several).")
    var app: String?

    @Option(help: "Key prefix (default: $KEY_PREFIX or \(Settings.Store.keyPrefix.defaultText ?? "")).")
    var keyPrefix: String?

    /// The options given, keyed by the variable each overrides (`--app` is passed on its own: with a tenants file
    /// it chooses an app of the file rather than set `QISCUS_APP_ID`).
    var overrides: [String: String] {
        ["REDIS_URL": redisURL, "KEY_PREFIX": keyPrefix].compactMapValues { $0 }
    }

    /// The configuration of the chosen app; a bad value is one line on stderr and exit code 78.
    func load() async throws -> StoreConfiguration {
        try await Bootstrap.configuration { try await StoreConfiguration.load(overrides: overrides, app: app) }
    }
}
