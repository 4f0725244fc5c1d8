import Allocation
import Foundation
import HTTPServer
import Logging
import Metrics
import Prometheus
import Qiscus
import Redis
import Routing

/// One app's HTTP interface (docs/interface.md): its two webhooks, its status, and its admin API and dashboard
/// when a token opens them, at its ``AppPaths``. The instance's own paths (`/healthz`, `/readyz`, `/metrics`) are
/// ``ServiceRoutes``'. Handlers run on libmicrohttpd's threads and reach Redis through the store's client
/// (waiting on it: those threads are not tasks'). They throw ``HTTPError``s for the answers that are not 200.
struct WebhookRoutes: Sendable {
    let store: AllocationStore
    let readiness: Readiness
    let gate: AllocationGate
    /// What this instance's allocation tasks know: which routes are full (for the status).
    let wake: WakeSignal
    /// What this instance saw of each route's agents.
    let health: RouteHealth?
    let secret: String?
    let routes: RouteTable
    /// The admin API, when a token opens it (its paths answer 404 otherwise); the status then wants the token.
    let admin: AdminRoutes?
    /// The dashboard, on with the admin API.
    let dashboard: DashboardRoutes?
    let paths: AppPaths
    /// With a tenants file: an allocation webhook whose `app_id` names another app is refused (400).
    let checksAppID: Bool
    let logger: Logger

    init(store: AllocationStore, readiness: Readiness, gate: AllocationGate, wake: WakeSignal = WakeSignal(),
         health: RouteHealth? = nil, secret: String?, routes: RouteTable = .single, admin: AdminRoutes? = nil,
         dashboard: DashboardRoutes? = nil, paths: AppPaths = .single, checksAppID: Bool = false, logger: Logger) {
        self.store = store
        self.readiness = readiness
        self.gate = gate
        self.wake = wake
        self.health = health
        self.secret = secret
        self.routes = routes
        self.admin = admin
        self.dashboard = dashboard
        self.paths = paths
        self.checksAppID = checksAppID
        self.logger = logger
    }

    /// The app id, as in its keys.
    var app: String { store.keys.app }

    /// Adds the app's paths to the router.
    func register(on router: inout Router) {
        router.on("POST", paths.webhooks + "/allocate") { request in try counted("allocate") { try allocate(request) } }
        router.on("POST", paths.webhooks + "/resolve") { request in try counted("resolve") { try resolve(request) } }
        router.on("GET", paths.api + "/status") { request in
            try admin?.authorize(request)
            return try status()
        }
        admin?.register(on: &router) { what, body in try storing(what, room: "-", body) }
        dashboard?.register(on: &router, status: { try serviceStatus($0) }) { what, body in try storing(what, room: "-", body) }
    }

    /// Counts every webhook answer by endpoint and status, errors included.
    private func counted(_ endpoint: String, _ body: () throws -> ServerResponse) throws -> ServerResponse {
        func count(_ status: Int) {
            Counter(label: "caa_webhooks_total", dimensions: [("app", app), ("endpoint", endpoint), ("status", String(status))]).increment()
        }
        do {
            let response = try body()
            count(response.status)
            return response
        } catch let error as any HTTPResponseError {
            count(error.response.status)
            throw error
        } catch {
            count(500)
            throw error
        }
    }

    func allocate(_ request: ServerRequest) throws -> ServerResponse {
        let payload = try webhook(request, as: AllocationWebhook.self)
        if checksAppID, let named = payload.appID, named != app {
            throw HTTPError(400, code: "wrong_app", message: "the body names app \(named.prefix(64)) but was sent to \(paths.webhooks)/allocate")
        }
        let route = routes.route(channelID: payload.channelID, source: payload.source).name
        let code = try storing("the webhook", room: payload.roomID) {
            try store.runWaiting(Enqueue(room: payload.roomID, session: payload.sessionKey, route: route)).code
        }
        let status = switch code {
        case .queued, .queuedNewSession: "queued"
        case .duplicate, .stale: "duplicate"
        case .alreadyAssigned: "assigned"
        }
        logger.debug("allocation webhook", metadata: ["room": "\(payload.roomID)", "route": "\(route)", "result": "\(code)"])
        return .object(["room_id": payload.roomID, "status": status])
    }

    func resolve(_ request: ServerRequest) throws -> ServerResponse {
        let payload = try webhook(request, as: ResolveWebhook.self)
        let result = try storing("the webhook", room: payload.roomID) {
            try store.runWaiting(Release(room: payload.roomID, sessionFloor: payload.sessionFloor))
        }
        let status = switch result.code {
        case .released: "released"
        case .dequeued, .dequeuedInFlight, .deadRemoved: "dequeued"
        case .unknown, .staleSession: "unknown"
        }
        logger.info("room resolved", metadata: ["room": "\(payload.roomID)", "result": "\(result.code)",
                                                "agent": "\(result.agent.map(String.init) ?? "-")"])
        return .object(["room_id": payload.roomID, "status": status])
    }

    /// The steps every webhook shares before storage: the secret check (401), then decoding (400).
    private func webhook<Payload: Decodable>(_ request: ServerRequest, as type: Payload.Type) throws -> Payload {
        try checkSecret(request)
        return try decode(Payload.self, request.body)
    }

    /// 401 unless the configured secret came as `?secret=` or `X-Webhook-Secret` (compared in constant time).
    private func checkSecret(_ request: ServerRequest) throws {
        guard let secret else { return }
        let given = request.query["secret"] ?? request.header("X-Webhook-Secret") ?? ""
        if !ConstantTime.equals(given, secret) {
            throw HTTPError(401, code: "unauthorized", message: "missing or wrong webhook secret")
        }
    }

    /// Strict RFC 8259 JSON (see `StrictJSON`: no trailing commas, comments, NaN or repeated keys), then the
    /// payload's shape: 400 `invalid_json`, `invalid_room_id` or `invalid_payload`.
    private func decode<T: Decodable>(_ type: T.Type, _ body: Data) throws(HTTPError) -> T {
        do {
            return try StrictJSON.decode(T.self, from: body)
        } catch let error as StrictJSONError {
            throw HTTPError(400, code: "invalid_json", message: "the body is not valid JSON: \(error)")
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            throw HTTPError(400, code: "invalid_room_id", message: context.debugDescription)
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == "room_id" {
            throw HTTPError(400, code: "invalid_room_id", message: "room_id is missing")
        } catch let error as DecodingError {
            if case .dataCorrupted = error {
                throw HTTPError(400, code: "invalid_json", message: "the body is not valid JSON")
            }
            throw HTTPError(400, code: "invalid_payload", message: Self.describe(error))
        } catch {
            throw HTTPError(400, code: "invalid_json", message: "the body is not valid JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
             .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "the payload has the wrong shape" : "\(path) has the wrong type or is missing"
        @unknown default:
            return "the payload has the wrong shape"
        }
    }

    /// Runs a Redis step for `what`; a Redis that can not store is a 503 (nothing was stored; the sender may
    /// retry) and turns readiness off until the next probe passes. An answer the step chose itself (an
    /// ``HTTPResponseError``, e.g. the admin API's 404 `not_dead`) is sent as it is.
    ///
    /// While the app's Redis is unreachable (``Readiness/isUnreachable(_:)``, until the next passing probe) the
    /// answer is 503 at once: one app's down master must not hold the threads every app's webhooks share.
    private func storing<T>(_ what: String, room: String, _ body: () throws -> T) throws -> T {
        if readiness.isUnreachable(app) {
            throw HTTPError(503, code: "redis_unavailable", message: "storage is unavailable; retry later")
        }
        do {
            return try body()
        } catch let error as any HTTPResponseError {
            throw error
        } catch let error as RedisError where error.isUnavailable {
            readiness.update(app: app, problem: "Redis can not store webhooks: \(error)", unreachable: error.isUnreachable)
            logger.error("Redis can not store; answered 503", metadata: ["what": "\(what)", "room": "\(room)", "error": "\(error)"])
            throw HTTPError(503, code: "redis_unavailable", message: "storage is unavailable; retry later")
        } catch {
            logger.error("Redis step failed", metadata: ["what": "\(what)", "room": "\(room)", "error": "\(error)"])
            throw HTTPError(500, code: "internal", message: "\(what) could not be handled")
        }
    }

    private func status() throws -> ServerResponse {
        try storing("the status", room: "-") { .json(try serviceStatus()) }
    }

    /// What `/v1/status` answers (and the dashboard draws): Redis's books and what this instance knows.
    func serviceStatus(_ summary: StoreSummary? = nil) throws -> ServiceStatus {
        var status = ServiceStatus(summary: try summary ?? store.summaryWaiting(), dead: try store.deadRoomsWaiting(limit: 100),
                                   allocation: gate.state, parked: wake.parkedRoutes,
                                   health: health.map { health in { health.line(of: $0) } })
        var problem = readiness.problem(of: app)
        if problem == nil, case .paused(let reason) = gate.state { problem = reason }
        status.app = ServiceStatus.App(id: app, health: appHealth.rawValue, problem: problem)
        return status
    }

    /// The app's health now: whether its webhooks can be stored and its allocation runs.
    var appHealth: AppHealth {
        AppHealth(storageProblem: readiness.problem(of: app), allocation: gate.state)
    }

    /// Records the app's gauges for `/metrics` (its queues from Redis; nothing when Redis does not answer).
    func recordGauges() {
        if !readiness.isUnreachable(app) { (try? store.summaryWaiting())?.recordGauges(app: app) }
        appHealth.record(app: app)
    }
}
