import Routing

/// One Qiscus app the service allocates for: an entry of `TENANTS_FILE`, or the single app of `QISCUS_APP_ID`.
/// A field left nil takes the global setting (`WEBHOOK_SECRET`, `QISCUS_BASE_URL`, `MAX_CUSTOMERS_PER_AGENT`,
/// `ADMIN_TOKEN`, `QUEUE_MESSAGE`; no routes: one route, `default`).
public struct AppConfiguration: Sendable, Equatable {
    /// The app code: the API credential, part of every Redis key (`{<app id>}`) and of the app's paths.
    public var appID: String
    public var secretKey: String
    public var webhookSecret: String?
    public var baseURL: String?
    public var maxCustomersPerAgent: Int?
    /// The routes file as written in the tenants file, and its routes.
    public var routesFile: String?
    public var routes: RouteTable?
    /// Opens this app's admin API and dashboard (the global `ADMIN_TOKEN` opens every app's).
    public var adminToken: String?
    public var queueMessage: QueueMessageTemplate?

    public init(appID: String, secretKey: String, webhookSecret: String? = nil, baseURL: String? = nil,
                maxCustomersPerAgent: Int? = nil, routesFile: String? = nil, routes: RouteTable? = nil,
                adminToken: String? = nil, queueMessage: QueueMessageTemplate? = nil) {
        self.appID = appID
        self.secretKey = secretKey
        self.webhookSecret = webhookSecret
        self.baseURL = baseURL
        self.maxCustomersPerAgent = maxCustomersPerAgent
        self.routesFile = routesFile
        self.routes = routes
        self.adminToken = adminToken
        self.queueMessage = queueMessage
    }
}
