import AllocatorService
import ArgumentParser

/// The options of the verbs that read one app's keys in Redis (`status`, `agents`, `queue`): each overrides its
/// variable of the environment and `.env`.
struct StoreOptions: ParsableArguments {
    @Option(help: "Redis URL (default: $REDIS_URL or \(Settings.Store.redisURL.defaultText ?? "")).")
    var redisURL: String?

    @Option(help: "Qiscus app id whose keys to read (default: $QISCUS_APP_ID).")
    var app: String?

    @Option(help: "Key prefix (default: $KEY_PREFIX or \(Settings.Store.keyPrefix.defaultText ?? "")).")
    var keyPrefix: String?

    /// The options given, keyed by the variable each overrides.
    var overrides: [String: String] {
        ["REDIS_URL": redisURL, "QISCUS_APP_ID": app, "KEY_PREFIX": keyPrefix].compactMapValues { $0 }
    }
}
