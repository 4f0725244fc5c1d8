import Dashboard
import Foundation
import HTTPServer

/// Who may use an app's admin API, its status and its dashboard's data: a client with
/// `Authorization: Bearer <token>` (scripts, `allocator` verbs), or a browser holding a dashboard session
/// cookie. The tokens are the app's own `admin_token` (of a tenants file) and the global `ADMIN_TOKEN`; a session
/// is signed with a key derived from the token it logged in with, so changing that token ends it. A cookie is sent by the browser on its own, so a request that changes something on a session must
/// also prove it comes from the dashboard's page: the session's CSRF token in `X-CSRF-Token`, and no `Origin`
/// or `Sec-Fetch-Site` that says another site sent it (the cookie is `SameSite=Strict` too).
struct AdminAccess: Sendable {
    /// Each token with the session keys derived from it, in order (the app's own first).
    let keys: [(token: String, sessions: DashboardSession)]
    /// The session cookie's name: `caa_session`, or `caa_session_<app id>` for an app of a tenants file, so the
    /// logins of several apps in one browser do not overwrite each other.
    let cookieName: String

    /// - Parameter tokens: at least one.
    init(tokens: [String], sessionHours: Int, cookieName: String = DashboardSession.cookieName) {
        precondition(!tokens.isEmpty, "an admin API needs a token")
        keys = tokens.map { ($0, DashboardSession(token: $0, lifetimeSeconds: sessionHours * 3600)) }
        self.cookieName = cookieName
    }

    init(token: String, sessionHours: Int) {
        self.init(tokens: [token], sessionHours: sessionHours)
    }

    /// The session keys of the first token.
    var sessions: DashboardSession { keys[0].sessions }

    /// A new session for a login with `given`, signed by the key of the token it matches; nil when it matches
    /// none (every token is compared, in constant time).
    func issueSession(for given: String) -> String? {
        var match: DashboardSession?
        for key in keys where ConstantTime.equals(given, key.token) && match == nil { match = key.sessions }
        return match?.issue()
    }

    /// The keys that signed `session`, if any still accept it.
    func sessionKeys(of session: String) -> DashboardSession? {
        keys.first { $0.sessions.isValid(session) }?.sessions
    }

    /// The CSRF token of a valid session (what the page sends back with each change).
    func csrfToken(for session: String) -> String? {
        sessionKeys(of: session)?.csrfToken(for: session)
    }

    /// What a request was let in with.
    enum Grant: Equatable {
        case bearer
        /// A dashboard session: the cookie's value.
        case session(String)
    }

    /// 401 without a bearer token or a valid session; 403 for a session's change without the CSRF token or from
    /// another site.
    @discardableResult
    func authorize(_ request: ServerRequest) throws(HTTPError) -> Grant {
        // Only the Bearer scheme is the admin token: a proxy's `Authorization: Basic ..` passed through leaves
        // the browser's session in charge.
        if let given = BearerToken.presented(in: request) {
            var known = false
            for key in keys where ConstantTime.equals(given, key.token) { known = true }
            guard known else { throw BearerToken.refusal }
            return .bearer
        }
        guard let session = validSession(request) else {
            throw HTTPError(401, code: "unauthorized", message: "missing or wrong bearer token, or no dashboard login")
        }
        if !["GET", "HEAD"].contains(request.method) {
            try Self.checkSameSite(request)
            guard let given = request.header("X-CSRF-Token"), sessionKeys(of: session)?.isCSRFToken(given, for: session) == true else {
                throw HTTPError(403, code: "csrf", message: "a change from the dashboard needs its X-CSRF-Token")
            }
        }
        return .session(session)
    }

    /// The request's session cookie, when it is one a token's key signed and it has not expired.
    func validSession(_ request: ServerRequest) -> String? {
        Self.cookies(cookieName, in: request).first { sessionKeys(of: $0) != nil }
    }

    /// 403 when the browser says another origin sent the request: `Sec-Fetch-Site` other than `same-origin` or
    /// `none` (every current browser sends it); without it, an `Origin` whose host is not the request's
    /// (`X-Forwarded-Host` from a proxy, else `Host`). `Sec-Fetch-Site` comes first because a proxy may rewrite
    /// `Host` (nginx's default `proxy_set_header Host $proxy_host`), which would refuse every change.
    static func checkSameSite(_ request: ServerRequest) throws(HTTPError) {
        let refusal = HTTPError(403, code: "cross_site", message: "requests from other sites are refused")
        if let site = request.header("Sec-Fetch-Site") {
            guard ["same-origin", "none"].contains(site.lowercased()) else { throw refusal }
            return
        }
        guard let origin = request.header("Origin") else { return }
        let host = (request.header("X-Forwarded-Host") ?? request.header("Host"))?.lowercased()
        let originHost = origin.lowercased().split(separator: "://", maxSplits: 1).last.map(String.init)
        guard let host, origin.lowercased() != "null", originHost == host else { throw refusal }
    }

    /// Every value of a cookie of the `Cookie` header, in order (a stale cookie of a longer path comes first and
    /// must not hide a valid one).
    static func cookies(_ name: String, in request: ServerRequest) -> [String] {
        guard let header = request.header("Cookie") else { return [] }
        return header.split(separator: ";").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces)
        }
    }
}
