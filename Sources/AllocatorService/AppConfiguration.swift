import Routing

/// One Qiscus app the service allocates for: an entry of `TENANTS_FILE`, or the single app of `QISCUS_APP_ID`.
/// Every field holds the value in force: a field the tenants file leaves out takes the global setting
/// (`WEBHOOK_SECRET`, `QISCUS_BASE_URL`, `MAX_CUSTOMERS_PER_AGENT`, `QUEUE_MESSAGE`; no routes file: one route,
/// `default`). ``adminToken`` is the app's own: the global `ADMIN_TOKEN` opens every app besides.
public struct AppConfiguration: Sendable, Equatable {
    /// The app code: the API credential, part of every Redis key (`{<app id>}`) and of the app's paths.
    public var appID: String
    public var secretKey: String
    public var webhookSecret: String?
    public var baseURL: String
    public var maxCustomersPerAgent: Int
    /// The routes file as written in the tenants file (nil: none), and the routes in force.
    public var routesFile: String?
    public var routes: RouteTable
    /// Opens this app's admin API and dashboard.
    public var adminToken: String?
    public var queueMessage: QueueMessageTemplate?

    /// An app with the global defaults for every field not given.
    public init(appID: String, secretKey: String, webhookSecret: String? = nil,
                baseURL: String = Settings.Qiscus.baseURL.defaultValue!,
                maxCustomersPerAgent: Int = Settings.Worker.maxCustomersPerAgent.defaultValue!,
                routesFile: String? = nil, routes: RouteTable = .single, adminToken: String? = nil,
                queueMessage: QueueMessageTemplate? = nil) {
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

    /// An app id given with `--app` (over `QISCUS_APP_ID`), checked as that variable is.
    static func checkedID(_ id: String) throws -> String {
        do {
            return try Settings.Store.appID.convert(id)
        } catch {
            throw ConfigurationError(variable: "--app", problem: error.problem)
        }
    }

    /// The global settings an app of the tenants file starts from (no id, no key yet).
    static func defaults(reading source: ConfigurationSource) throws -> AppConfiguration {
        AppConfiguration(appID: "", secretKey: "", webhookSecret: try source.optionalValue(Settings.HTTP.webhookSecret),
                         baseURL: try source.value(Settings.Qiscus.baseURL),
                         maxCustomersPerAgent: try source.value(Settings.Worker.maxCustomersPerAgent),
                         queueMessage: try source.optionalValue(Settings.QueueMessages.template))
    }

    /// The apps of `TENANTS_FILE` when it is set (nil otherwise), each field not given taking the global setting.
    /// With it, `QISCUS_APP_ID`, `QISCUS_SECRET_KEY` and `ROUTES_FILE` must be unset: each app's are in the file.
    static func tenants(reading source: ConfigurationSource) throws -> (file: String, apps: [AppConfiguration])? {
        guard let path = try source.optionalValue(Settings.Tenants.file) else { return nil }
        for setting in [Settings.Store.appID, Settings.Qiscus.secretKey] as [Setting<String>] where source.isSet(setting.name) {
            throw ConfigurationError(variable: setting.name, problem: "must not be set with \(Settings.Tenants.file.name) "
                + "(each app's is in the file; webhooks are at /webhooks/{app_id}/...)")
        }
        if source.isSet(Settings.Routes.file.name) {
            throw ConfigurationError(variable: Settings.Routes.file.name, problem: "must not be set with "
                + "\(Settings.Tenants.file.name) (give each app its routes_file in the file)")
        }
        let defaults = try defaults(reading: source)
        do {
            return (path, try TenantsFile.load(path: path, defaults: defaults))
        } catch {
            throw ConfigurationError(variable: TenantsFileError.variable,
                                     problem: String(error.description.dropFirst(TenantsFileError.variable.count + 1)))
        }
    }
}
