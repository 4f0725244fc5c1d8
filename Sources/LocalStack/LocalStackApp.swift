/// One Qiscus app of a multi-app ``LocalStack``: its own `allocator simulate` and its entry in the stack's
/// tenants file.
public struct LocalStackApp: Sendable {
    /// The app id (`--app-id` of its simulator, `app_id` of its entry).
    public var id: String
    public var secretKey: String
    /// Online agents its simulator starts with.
    public var agents: Int
    /// Extra `allocator simulate` options, e.g. `["--latency-ms", "2000"]`.
    public var simulatorArguments: [String]
    /// More fields of its tenants-file entry (`admin_token`, `max_customers_per_agent`, ...); `app_id`,
    /// `secret_key` and `base_url` are set by the stack.
    public var fields: [String: String]

    /// An app whose secret key is `<id>-secret`.
    public init(_ id: String, agents: Int, simulatorArguments: [String] = [], fields: [String: String] = [:],
                secretKey: String? = nil) {
        self.id = id
        self.secretKey = secretKey ?? "\(id)-secret"
        self.agents = agents
        self.simulatorArguments = simulatorArguments
        self.fields = fields
    }
}
