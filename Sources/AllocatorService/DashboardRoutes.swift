import Allocation
import Dashboard
import Foundation
import HTTPServer

/// One app's dashboard (docs/interface.md "Dashboard"), on with its admin API. For the single app (the paths of
/// an app of a tenants file are in ``AppPaths``):
///
/// - `GET /dashboard`: the page with a valid session, else the login form (401);
/// - `POST /dashboard/login` (form field `token`): a session cookie (`HttpOnly`, `SameSite=Strict`, signed, with
///   an expiry; valid on every instance with the same token) and a redirect to the page, or the form again (401);
/// - `POST /dashboard/logout`: clears the cookie;
/// - `GET /v1/dashboard`: what the page draws (bearer token or session), polled every second.
///
/// The page's script and style are shared by every app, at `GET /dashboard/assets/<file>` (``registerAssets(on:)``).
///
/// Changes (limits, pause, requeue) go through the admin API with the session's CSRF token (``AdminAccess``).
struct DashboardRoutes: Sendable {
    let admin: AdminRoutes
    let store: AllocationStore
    let app: String
    let alertWaitSeconds: Int

    /// Headers of every page: no script but the page's own, no framing, no referrer to other sites (`no-referrer` would make the login form's `Origin` "null"), nothing cached.
    static let pageHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
             + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin"),
        ("Cache-Control", "no-store"),
    ]

    func register(on router: inout Router, status: @escaping @Sendable (StoreSummary) throws -> ServiceStatus,
                  storing: @escaping @Sendable (String, () throws -> ServerResponse) throws -> ServerResponse) {
        let paths = admin.paths
        router.on("GET", paths.dashboard) { request in
            guard admin.access.validSession(request) != nil else {
                return Self.page(.login(message: nil, action: paths.dashboard + "/login"), status: 401)
            }
            return Self.page(.page)
        }
        router.on("POST", paths.dashboard + "/login") { request in try login(request) }
        router.on("POST", paths.dashboard + "/logout") { request in
            try admin.authorize(request)
            var response = ServerResponse.object(["status": "logged_out"])
            response.headers.append(("Set-Cookie", cookie(value: "", maxAge: 0, request: request)))
            return response
        }
        router.on("GET", paths.api + "/dashboard") { request in
            let grant = try admin.authorize(request)
            return try storing("the dashboard") {
                var csrf: String?
                if case .session(let session) = grant { csrf = admin.access.csrfToken(for: session) }
                let summary = try store.summaryWaiting()
                var response = ServerResponse.json(DashboardState(
                    app: app, nowMilliseconds: Int(Date().timeIntervalSince1970 * 1000),
                    alertWaitMilliseconds: alertWaitSeconds * 1000, csrf: csrf, status: try status(summary),
                    charts: DashboardState.charts(of: summary), agents: try admin.agents(),
                    recent: try store.recentAssignmentsWaiting()))
                response.headers.append(("Cache-Control", "no-store"))
                return response
            }
        }
    }

    /// The page's script and style, shared by every app's page.
    static func registerAssets(on router: inout Router) {
        router.on("GET", prefix: "/dashboard/assets/") { request in
            let name = String(request.path.dropFirst("/dashboard/assets/".count))
            guard let asset = DashboardAsset.files[name] else {
                throw HTTPError(404, code: "not_found", message: "no such asset")
            }
            return ServerResponse(status: 200, headers: [("Content-Type", asset.contentType), ("Cache-Control", "no-cache"),
                                                         ("X-Content-Type-Options", "nosniff")], body: asset.body)
        }
    }

    private func login(_ request: ServerRequest) throws -> ServerResponse {
        try AdminAccess.checkSameSite(request)
        let given = request.formFields["token"] ?? ""
        let paths = admin.paths
        guard let session = admin.access.issueSession(for: given) else {
            return Self.page(.login(message: given.isEmpty ? "Enter the admin token." : "Wrong token.",
                                    action: paths.dashboard + "/login"), status: 401)
        }
        return ServerResponse(status: 303, headers: [
            ("Location", paths.dashboard), ("Cache-Control", "no-store"),
            ("Set-Cookie", cookie(value: session, maxAge: admin.access.sessions.lifetimeSeconds, request: request)),
        ])
    }

    /// The session cookie: sent back only to this site (`SameSite=Strict`), never readable by scripts
    /// (`HttpOnly`), `Secure` when the request came over HTTPS through a proxy that says so.
    private func cookie(value: String, maxAge: Int, request: ServerRequest) -> String {
        let secure = request.header("X-Forwarded-Proto")?.lowercased() == "https" ? "; Secure" : ""
        return "\(admin.access.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict\(secure)"
    }

    private static func page(_ asset: DashboardAsset, status: Int = 200) -> ServerResponse {
        ServerResponse(status: status, headers: [("Content-Type", asset.contentType)] + pageHeaders, body: asset.body)
    }
}
