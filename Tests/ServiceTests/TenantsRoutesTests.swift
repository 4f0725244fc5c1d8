@testable import AllocatorService
import Allocation
import Foundation
import HTTPServer
import Logging
import Prometheus
import Qiscus
import Redis
import Testing
import TestSupport

/// The HTTP interface of an instance with a tenants file, in process: the router `allocator serve` builds from
/// each app's ``AppRuntime`` (their services not started), over a real redis-server.
@Suite struct TenantsRoutesTests {
    static let global = "global-admin-token-0123456789"
    static let tokenA = "app-a-admin-token-0123456789"
    static let tokenB = "app-b-admin-token-0123456789"

    struct Fixture {
        let running: Running<RedisClient>
        let runtimes: [AppRuntime]
        let readiness: Readiness
        let router: Router
        /// The two app ids, unique per test (their keys do not meet other tests').
        let a: String, b: String

        init(adminToken: String? = TenantsRoutesTests.global) async throws {
            let redis = try RedisServerProcess.shared.configuration()
            running = Running(RedisClient(configuration: redis))
            (a, b) = (TestKeys.uniqueApp(), TestKeys.uniqueApp())
            let directory = try ServiceConfigurationTests.temporaryDirectory()
            let path = directory.appendingPathComponent("tenants.json").path
            try #"{"apps":[{"app_id":"\#(a)","secret_key":"ka","admin_token":"\#(TenantsRoutesTests.tokenA)"},{"app_id":"\#(b)","secret_key":"kb","admin_token":"\#(TenantsRoutesTests.tokenB)","webhook_secret":"b-secret"}]}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
            var environment = ["TENANTS_FILE": path, "REDIS_URL": "redis://127.0.0.1:\(redis.port)/0", "KEY_PREFIX": "tenants"]
            if let adminToken { environment["ADMIN_TOKEN"] = adminToken }
            let configuration = try await ServiceConfiguration.load(environment: environment, dotEnv: nil)
            readiness = Readiness(apps: configuration.apps.map(\.appID))
            let http = QiscusClient.makeHTTPClient(for: .init(baseURL: "http://127.0.0.1:1", appID: "", secretKey: ""))
            let logger = Logger(label: "tenants")
            runtimes = try configuration.apps.map { [running, readiness] app in
                try AppRuntime(app: app, configuration: configuration, redis: running.service, http: http, messageHTTP: nil,
                               readiness: readiness, instance: "test", hooks: TestHooks(), logger: logger)
            }
            router = ServiceRoutes(apps: runtimes.map(\.routes), readiness: readiness, registry: PrometheusCollectorRegistry(),
                                   metricsToken: nil, adminToken: adminToken, tenants: true, logger: logger).router
        }

        func store(_ app: String) -> AllocationStore { runtimes.first { $0.app.appID == app }!.routes.store }

        func call(_ method: String, _ path: String, body: Data = Data(), token: String? = nil,
                  headers: [String: String] = [:]) async throws -> ServerResponse {
            // libmicrohttpd's headers reach the router with lower-case names.
            var headers = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
            if let token { headers["authorization"] = "Bearer \(token)" }
            let request = ServerRequest(method: method, path: path, query: [:], headers: headers, body: body)
            let router = router
            return try await onThread { router.respond(to: request) }
        }

        /// An allocation webhook of `room` naming `app` (nil: no app_id).
        func webhook(room: String, app: String?) -> Data {
            var object: [String: Any] = ["room_id": room, "is_new_session": true]
            if let app { object["app_id"] = app }
            return try! JSONSerialization.data(withJSONObject: object)
        }
    }

    static func fields(_ response: ServerResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
    }

    @Test func eachAppsWebhooksStoreUnderItsOwnKeysOnly() async throws {
        let f = try await Fixture()
        let queued = try await f.call("POST", "/webhooks/\(f.a)/allocate", body: f.webhook(room: "11", app: f.a))
        #expect(queued.status == 200 && Self.fields(queued)["status"] as? String == "queued")
        #expect(try await f.call("POST", "/webhooks/\(f.a)/allocate", body: f.webhook(room: "12", app: nil)).status == 200,
                "a body without app_id is taken by its path")
        #expect(try await f.store(f.a).snapshot().queue == ["11", "12"])
        #expect(try await f.store(f.b).snapshot().queue.isEmpty)

        let wrong = try await f.call("POST", "/webhooks/\(f.a)/allocate", body: f.webhook(room: "13", app: f.b))
        #expect(wrong.status == 400 && Self.fields(wrong)["error"] as? String == "wrong_app")
        #expect(try await f.store(f.a).snapshot().queue == ["11", "12"])
        #expect(try await f.store(f.b).snapshot().queue.isEmpty, "nothing stored for a body naming another app")
        #expect(try await f.call("POST", "/webhooks/allocate", body: f.webhook(room: "14", app: f.a)).status == 404,
                "the single app's path is gone with a tenants file")
        #expect(try await f.call("POST", "/webhooks/nobody/allocate", body: f.webhook(room: "15", app: nil)).status == 404)

        // The second app's own webhook secret.
        #expect(try await f.call("POST", "/webhooks/\(f.b)/allocate", body: f.webhook(room: "21", app: f.b)).status == 401)
        let withSecret = try await f.call("POST", "/webhooks/\(f.b)/allocate", body: f.webhook(room: "21", app: f.b),
                                          headers: ["X-Webhook-Secret": "b-secret"])
        #expect(withSecret.status == 200)
        #expect(try await f.store(f.b).snapshot().queue == ["21"])

        let resolve = try JSONSerialization.data(withJSONObject: ["service": ["id": 1, "room_id": "11"]])
        #expect(try await f.call("POST", "/webhooks/\(f.b)/resolve", body: resolve, headers: ["X-Webhook-Secret": "b-secret"])
            .status == 200)
        #expect(try await f.store(f.a).snapshot().queue == ["11", "12"], "a resolve sent to another app leaves the room")
        #expect(try await f.call("POST", "/webhooks/\(f.a)/resolve", body: resolve).status == 200)
        #expect(try await f.store(f.a).snapshot().queue == ["12"])
    }

    @Test func eachAppsAdminAPIOpensWithItsTokenOrTheGlobalOne() async throws {
        let f = try await Fixture()
        for (token, status) in [(Self.tokenA, 200), (Self.global, 200), (Self.tokenB, 401), (nil, 401)] as [(String?, Int)] {
            #expect(try await f.call("GET", "/v1/apps/\(f.a)/status", token: token).status == status, "\(String(describing: token))")
            #expect(try await f.call("GET", "/v1/apps/\(f.a)/agents", token: token).status == status)
            #expect(try await f.call("GET", "/v1/apps/\(f.a)/queue", token: token).status == status)
        }
        #expect(try await f.call("GET", "/v1/agents", token: Self.global).status == 404, "no single-app admin paths")
        let status = Self.fields(try await f.call("GET", "/v1/apps/\(f.a)/status", token: Self.tokenA))
        #expect((status["app"] as? [String: Any])?["app_id"] as? String == f.a)

        // The Self.global status: every app, the Self.global token only.
        #expect(try await f.call("GET", "/v1/status", token: Self.tokenA).status == 401)
        let all = try await f.call("GET", "/v1/status", token: Self.global)
        let apps = (Self.fields(all)["apps"] as? [[String: Any]] ?? []).compactMap { ($0["app"] as? [String: Any])?["app_id"] as? String }
        #expect(all.status == 200 && apps == [f.a, f.b])
    }

    @Test func withoutAGlobalTokenOnlyAppsWithTheirOwnHaveAnAdminAPI() async throws {
        let f = try await Fixture(adminToken: nil)
        #expect(try await f.call("GET", "/v1/apps/\(f.a)/agents", token: Self.tokenA).status == 200)
        #expect(try await f.call("GET", "/v1/status").status == 404,
                "without ADMIN_TOKEN no status over every app: it would show the rooms of apps that guard theirs")
    }

    @Test func readyWhileSomeAppCanStoreAndEachAppsHealthIsItsOwn() async throws {
        let f = try await Fixture()
        #expect(try await f.call("GET", "/readyz").status == 503, "not checked yet")
        f.readiness.update(app: f.a, problem: nil)
        f.readiness.update(app: f.b, problem: "Redis refuses writes: MOVED")
        #expect(try await f.call("GET", "/readyz").status == 200, "one app's Redis trouble does not take the instance off")
        let b = Self.fields(try await f.call("GET", "/v1/apps/\(f.b)/status", token: Self.global))["app"] as? [String: Any]
        #expect(b?["health"] as? String == "redis_unavailable" && (b?["problem"] as? String)?.contains("MOVED") == true)
        f.readiness.update(app: f.a, problem: "Redis is unreachable")
        let none = try await f.call("GET", "/readyz")
        #expect(none.status == 503 && (Self.fields(none)["message"] as? String)?.contains("no app can store webhooks") == true)
        f.readiness.update(app: f.a, problem: nil)
        f.readiness.markDraining()
        #expect(try await f.call("GET", "/readyz").status == 503)
    }

    @Test func anUnreachableAppIsAnswered503AtOnceAndTheOthersAsUsual() async throws {
        let f = try await Fixture()
        f.readiness.update(app: f.a, problem: nil)
        // As a webhook or the probe leaves it when b's master can not be reached (Redis itself is fine here, so a
        // call that reached it would store the room).
        f.readiness.update(app: f.b, problem: "Redis can not store webhooks: cannot connect", unreachable: true)
        let refused = try await f.call("POST", "/webhooks/\(f.b)/allocate", body: f.webhook(room: "31", app: f.b),
                                       headers: ["X-Webhook-Secret": "b-secret"])
        #expect(refused.status == 503 && Self.fields(refused)["error"] as? String == "redis_unavailable")
        #expect(try await f.store(f.b).snapshot().queue.isEmpty, "no Redis call was made for b")
        #expect(try await f.call("GET", "/v1/apps/\(f.b)/status", token: Self.global).status == 503)
        let all = Self.fields(try await f.call("GET", "/v1/status", token: Self.global))["apps"] as? [[String: Any]] ?? []
        #expect(all.count == 2 && all[1]["queue_length"] == nil && (all[1]["app"] as? [String: Any])?["health"] as? String == "redis_unavailable")
        #expect(try await f.call("POST", "/webhooks/\(f.a)/allocate", body: f.webhook(room: "32", app: f.a)).status == 200)
        #expect(try await f.call("GET", "/readyz").status == 200)
        #expect(try await f.call("GET", "/metrics").status == 200)
        // A refusal Redis answers at once (out of memory) does not stop the calls: resolves may still free slots.
        f.readiness.update(app: f.b, problem: "Redis refuses writes: OOM", unreachable: false)
        #expect(!f.readiness.isUnreachable(f.b))
        // The next passing probe lets b's webhooks through again.
        f.readiness.update(app: f.b, problem: nil)
        #expect(try await f.call("POST", "/webhooks/\(f.b)/allocate", body: f.webhook(room: "31", app: f.b),
                                 headers: ["X-Webhook-Secret": "b-secret"]).status == 200)
    }

    @Test func eachAppsDashboardHasItsOwnLoginCookie() async throws {
        let f = try await Fixture()
        let page = try await f.call("GET", "/apps/\(f.a)/dashboard")
        #expect(page.status == 401 && String(decoding: page.body, as: UTF8.self).contains("action=\"/apps/\(f.a)/dashboard/login\""))
        let login = try await f.call("POST", "/apps/\(f.a)/dashboard/login", body: Data("token=\(Self.tokenA)".utf8),
                                     headers: ["Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"])
        #expect(login.status == 303 && login.header("Location") == "/apps/\(f.a)/dashboard")
        let cookie = try #require(login.header("Set-Cookie"))
        #expect(cookie.hasPrefix("caa_session_\(f.a)="))
        let value = String(cookie.split(separator: ";")[0])
        #expect(try await f.call("GET", "/apps/\(f.a)/dashboard", headers: ["Cookie": value]).status == 200)
        #expect(try await f.call("GET", "/v1/apps/\(f.a)/dashboard", headers: ["Cookie": value]).status == 200)
        #expect(try await f.call("GET", "/apps/\(f.b)/dashboard", headers: ["Cookie": value]).status == 401,
                "app a's login does not open app b")
        let otherName = value.replacingOccurrences(of: "caa_session_\(f.a)=", with: "caa_session_\(f.b)=")
        #expect(try await f.call("GET", "/v1/apps/\(f.b)/dashboard", headers: ["Cookie": otherName]).status == 401,
                "nor under b's cookie name: it is signed with a's token")
        #expect(try await f.call("POST", "/apps/\(f.b)/dashboard/login", body: Data("token=\(Self.global)".utf8),
                                 headers: ["Content-Type": "application/x-www-form-urlencoded"]).status == 303,
                "the Self.global token logs in to every app")
        #expect(try await f.call("GET", "/dashboard/assets/dashboard.js").status == 200)
    }
}
