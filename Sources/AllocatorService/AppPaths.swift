import Dashboard

/// Where one app's HTTP interface lives. The single app of `QISCUS_APP_ID` keeps the paths of the versions before
/// tenants files (`/webhooks/allocate`, `/v1/agents`, `/dashboard`); an app of `TENANTS_FILE` has its own, under
/// its id: `/webhooks/{app_id}/allocate`, `/v1/apps/{app_id}/agents`, `/apps/{app_id}/dashboard`.
struct AppPaths: Sendable, Equatable {
    /// `<webhooks>/allocate` and `<webhooks>/resolve`.
    let webhooks: String
    /// The admin API and the status: `<api>/status`, `<api>/agents`, `<api>/queue`, `<api>/dead/requeue`,
    /// `<api>/dashboard`.
    let api: String
    /// The dashboard's page; `<dashboard>/login` and `<dashboard>/logout`.
    let dashboard: String
    /// The dashboard session's cookie.
    let cookie: String

    /// The paths of the single app.
    static let single = AppPaths(webhooks: "/webhooks", api: "/v1", dashboard: "/dashboard", cookie: DashboardSession.cookieName)

    /// The paths of an app of a tenants file (its id holds only letters, digits, `-`, `_` and `.`).
    static func tenant(_ app: String) -> AppPaths {
        AppPaths(webhooks: "/webhooks/\(app)", api: "/v1/apps/\(app)", dashboard: "/apps/\(app)/dashboard",
                 cookie: "\(DashboardSession.cookieName)_\(app)")
    }
}
