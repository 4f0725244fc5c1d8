import Allocation
@testable import AllocatorService
import Dashboard
import Foundation
import HTTPServer
import Testing

/// The dashboard's login, session cookie, CSRF checks and data, through the router (as libmicrohttpd calls it)
/// with a real redis-server behind the store. The page itself is tested in a browser (DashboardBrowserTests).
@Suite struct DashboardRoutesTests {
    typealias Fixture = AdminRoutesTests.Fixture

    /// Logs in with the form and returns the session cookie's value.
    func login(_ f: Fixture) async throws -> String {
        let response = try await f.call("POST", "/dashboard/login", body: "token=\(AdminRoutesTests.token)",
                                        headers: ["content-type": "application/x-www-form-urlencoded", "host": "dash.test",
                                                  "origin": "http://dash.test"])
        #expect(response.status == 303)
        #expect(response.header("Location") == "/dashboard")
        let cookie = try #require(response.header("Set-Cookie"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
        #expect(cookie.contains("Max-Age=3600"), "sessionHours 1")
        #expect(!cookie.contains("Secure"), "plain HTTP without a proxy's word")
        let value = try #require(cookie.split(separator: ";").first?.split(separator: "=", maxSplits: 1).last)
        return String(value)
    }

    func sessionHeaders(_ session: String, csrf: String? = nil, extra: [String: String] = [:]) -> [String: String] {
        var headers = ["cookie": "other=1; \(DashboardSession.cookieName)=\(session)", "host": "dash.test"]
        if let csrf { headers["x-csrf-token"] = csrf }
        return headers.merging(extra) { $1 }
    }

    @Test func withoutALoginThePageIsTheLoginFormAndTheDataIs401() async throws {
        let f = try Fixture()
        let page = try await f.call("GET", "/dashboard", headers: [:])
        #expect(page.status == 401)
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("<form id=\"login\""))
        #expect(!html.contains("dashboard.js"), "the login form carries no dashboard")
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        for path in ["/v1/dashboard", "/v1/agents", "/v1/status"] {
            #expect(try await f.call("GET", path, headers: [:]).status == 401, "\(path)")
        }
    }

    @Test func aWrongOrMissingTokenGetsTheFormAgainWithoutACookie() async throws {
        let f = try Fixture()
        for body in ["token=wrong", "", "token=", "token=\(AdminRoutesTests.token)x"] {
            let response = try await f.call("POST", "/dashboard/login", body: body,
                                            headers: ["content-type": "application/x-www-form-urlencoded"])
            #expect(response.status == 401, "\(body)")
            #expect(response.header("Set-Cookie") == nil)
            #expect(String(decoding: response.body, as: UTF8.self).contains("login-error"))
        }
    }

    @Test func aLoginOpensThePageAndTheDataWithACSRFToken() async throws {
        let f = try Fixture()
        try await f.reserve("7", route: "sales", agent: 438_001, commit: true)
        let session = try await login(f)
        let page = try await f.call("GET", "/dashboard", headers: sessionHeaders(session))
        #expect(page.status == 200)
        #expect(String(decoding: page.body, as: UTF8.self).contains("/dashboard/assets/dashboard.js"))
        let data = try await f.call("GET", "/v1/dashboard", headers: sessionHeaders(session))
        try #require(data.status == 200, "\(String(decoding: data.body, as: UTF8.self))")
        let state = try #require(try JSONSerialization.jsonObject(with: data.body) as? [String: Any])
        let csrf = try #require(state["csrf"] as? String)
        #expect(admin(f).sessions.isCSRFToken(csrf, for: session))
        #expect(state["app"] as? String == "demo")
        #expect(state["alert_wait_ms"] as? Int == 60_000)
        let recent = try #require(state["recent"] as? [[String: Any]])
        #expect(recent.first?["room_id"] as? String == "7" && recent.first?["agent"] as? Int == 438_001)
        let charts = try #require(state["charts"] as? [[String: Any]])
        let sales = try #require(charts.first { $0["route"] as? String == "sales" }?["minutes"] as? [[String: Any]])
        #expect(sales.count == 60)
        #expect(sales.compactMap { $0["served"] as? Int }.reduce(0, +) == 1)
        let agents = try #require(state["agents"] as? [[String: Any]])
        #expect(agents.contains { $0["id"] as? Int == 438_001 && $0["load"] as? Int == 1 })
        // The bearer token reads the same data, without a CSRF token (it needs none).
        let bearer = try await f.call("GET", "/v1/dashboard")
        #expect(bearer.status == 200)
        #expect((try JSONSerialization.jsonObject(with: bearer.body) as? [String: Any])?["csrf"] == nil)
    }

    @Test func aChangeOnASessionNeedsItsCSRFTokenAndTheSameSite() async throws {
        let f = try Fixture()
        try await f.reserve("7", route: "sales", agent: 438_001)
        let session = try await login(f)
        let csrf = admin(f).sessions.csrfToken(for: session)
        let before = try await f.dump()
        let body = #"{"max_customers": 5}"#
        let refused: [([String: String], Int)] = [
            (sessionHeaders(session), 403),
            (sessionHeaders(session, csrf: "forged"), 403),
            (sessionHeaders(session, csrf: admin(f).sessions.csrfToken(for: admin(f).sessions.issue())), 403),
            (sessionHeaders(session, csrf: csrf, extra: ["origin": "https://evil.example"]), 403),
            (sessionHeaders(session, csrf: csrf, extra: ["origin": "null"]), 403),
            (sessionHeaders(session, csrf: csrf, extra: ["sec-fetch-site": "cross-site"]), 403),
            (sessionHeaders(session, csrf: csrf, extra: ["sec-fetch-site": "same-site"]), 403),
            (sessionHeaders("v1.9999999999.AAAA.AAAA", csrf: csrf), 401),
        ]
        for (headers, status) in refused {
            let response = try await f.call("PUT", "/v1/agents/438001", body: body, headers: headers)
            #expect(response.status == status, "\(headers): \(String(decoding: response.body, as: UTF8.self))")
        }
        #expect(try await f.dump() == before, "nothing stored")
        let allowed = try await f.call("PUT", "/v1/agents/438001", body: body,
                                       headers: sessionHeaders(session, csrf: csrf, extra: ["origin": "http://dash.test",
                                                                                            "sec-fetch-site": "same-origin"]))
        #expect(allowed.status == 200)
        #expect(try await f.agents()[438_001]?.limit == 5)
    }

    /// Behind a proxy: `Host` rewritten to the upstream's name (the browser's `Sec-Fetch-Site` decides), a `Basic`
    /// authorization of the proxy passed through (the session decides), a stale cookie before the valid one.
    @Test func aSessionWorksBehindAProxy() async throws {
        let f = try Fixture()
        try await f.reserve("7", route: "sales", agent: 438_001)
        let session = try await login(f)
        let csrf = admin(f).sessions.csrfToken(for: session)
        let proxied = ["host": "upstream:8080", "origin": "https://caa.example.com:8443", "sec-fetch-site": "same-origin",
                       "authorization": "Basic dXNlcjpwYXNz"]
        var headers = sessionHeaders(session, csrf: csrf, extra: proxied)
        headers["cookie"] = "\(DashboardSession.cookieName)=v1.1.AAAA.AAAA; \(DashboardSession.cookieName)=\(session)"
        let response = try await f.call("PUT", "/v1/agents/438001", body: #"{"paused": true}"#, headers: headers)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        #expect(try await f.call("GET", "/v1/dashboard", headers: headers).status == 200)
        // Without Sec-Fetch-Site (an older browser), the Origin must match the host the proxy forwarded.
        headers["sec-fetch-site"] = nil
        #expect(try await f.call("PUT", "/v1/agents/438001", body: "{}", headers: headers).status == 403)
        headers["x-forwarded-host"] = "caa.example.com:8443"
        #expect(try await f.call("PUT", "/v1/agents/438001", body: "{}", headers: headers).status == 200)
        // A wrong bearer token is still a 401, whatever the cookie.
        headers["authorization"] = "Bearer wrong-token-0123456789"
        #expect(try await f.call("GET", "/v1/dashboard", headers: headers).status == 401)
    }

    @Test func aCrossSiteLoginIsRefused() async throws {
        let f = try Fixture()
        let response = try await f.call("POST", "/dashboard/login", body: "token=\(AdminRoutesTests.token)",
                                        headers: ["content-type": "application/x-www-form-urlencoded", "host": "dash.test",
                                                  "origin": "https://evil.example"])
        #expect(response.status == 403)
        #expect(response.header("Set-Cookie") == nil)
    }

    @Test func logoutClearsTheCookie() async throws {
        let f = try Fixture()
        let session = try await login(f)
        #expect(try await f.call("POST", "/dashboard/logout", headers: sessionHeaders(session)).status == 403, "no CSRF token")
        let response = try await f.call("POST", "/dashboard/logout",
                                        headers: sessionHeaders(session, csrf: admin(f).sessions.csrfToken(for: session)))
        #expect(response.status == 200)
        #expect(response.header("Set-Cookie")?.hasPrefix("\(DashboardSession.cookieName)=;") == true)
        #expect(response.header("Set-Cookie")?.contains("Max-Age=0") == true)
    }

    @Test func theAssetsAreServedFromTheBinary() async throws {
        let f = try Fixture()
        let script = try await f.call("GET", "/dashboard/assets/dashboard.js", headers: [:])
        #expect(script.status == 200 && script.header("Content-Type")?.hasPrefix("text/javascript") == true)
        #expect(String(decoding: script.body, as: UTF8.self).contains("/v1/dashboard"))
        #expect(try await f.call("GET", "/dashboard/assets/dashboard.css", headers: [:]).status == 200)
        for missing in ["/dashboard/assets/x.js", "/dashboard/assets/../dashboard.js"] {
            #expect(try await f.call("GET", missing, headers: [:]).status == 404)
        }
    }

    @Test func withoutAnAdminTokenThereIsNoDashboard() async throws {
        let f = try Fixture(admin: false)
        for (method, path) in [("GET", "/dashboard"), ("POST", "/dashboard/login"), ("GET", "/v1/dashboard"),
                               ("GET", "/dashboard/assets/dashboard.js")] {
            #expect(try await f.call(method, path, headers: [:]).status == 404, "\(path)")
        }
    }

    func admin(_ f: Fixture) -> AdminAccess {
        AdminAccess(token: AdminRoutesTests.token, sessionHours: 1)
    }
}

/// The session value: signed, expiring, bound to the token.
@Suite struct DashboardSessionTests {
    let sessions = DashboardSession(token: "admin-token-0123456789", lifetimeSeconds: 3600)

    @Test func aSessionIsValidUntilItExpires() {
        let now = Date()
        let value = sessions.issue(now: now)
        #expect(sessions.isValid(value, now: now))
        #expect(sessions.isValid(value, now: now.addingTimeInterval(3590)))
        #expect(!sessions.isValid(value, now: now.addingTimeInterval(3601)))
        #expect(sessions.issue(now: now) != value, "each login its own value")
    }

    @Test func aTamperedOrForeignSessionIsRefused() {
        let value = sessions.issue()
        var parts = value.split(separator: ".").map(String.init)
        parts[1] = String(Int(parts[1])! + 86_400)
        #expect(!sessions.isValid(parts.joined(separator: ".")), "a later expiry breaks the signature")
        #expect(!DashboardSession(token: "another-token-0123456789", lifetimeSeconds: 3600).isValid(value))
        for bad in ["", "v1", "v1.1.2", "v2" + value.dropFirst(2), value + "x", value + ".x", String(repeating: "a", count: 300)] {
            #expect(!sessions.isValid(bad), "\(bad.prefix(40))")
        }
    }

    @Test func theCSRFTokenBelongsToItsSession() {
        let one = sessions.issue(), two = sessions.issue()
        #expect(sessions.isCSRFToken(sessions.csrfToken(for: one), for: one))
        #expect(!sessions.isCSRFToken(sessions.csrfToken(for: two), for: one))
        #expect(!sessions.isCSRFToken("", for: one))
    }

    @Test func theLoginMessageIsEscaped() {
        let page = String(decoding: DashboardAsset.login(message: "<script>alert(1)</script>").body, as: UTF8.self)
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!page.contains("<script>alert"))
    }
}
