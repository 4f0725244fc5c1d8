import Allocation
import Foundation
import HTTPServer
import Logging
import Metrics
import Prometheus
import Redis

/// The HTTP interface of `allocator serve` (docs/interface.md): every app's ``WebhookRoutes`` and the instance's
/// own paths: `/healthz`, `/readyz` (ready while some app can store webhooks), `/metrics`, the dashboard's
/// assets and, with a tenants file, `GET /v1/status` over every app (wanting the global `ADMIN_TOKEN` when set;
/// without it, there only while no app has an `admin_token`).
struct ServiceRoutes: Sendable {
    let apps: [WebhookRoutes]
    let readiness: Readiness
    let registry: PrometheusCollectorRegistry
    /// `METRICS_TOKEN`: when set, `/metrics` wants it as a bearer token.
    let metricsToken: String?
    /// `ADMIN_TOKEN`, for the status over every app of a tenants file.
    let adminToken: String?
    /// Whether the apps come from a tenants file (the single app's status is at `/v1/status` already).
    let tenants: Bool
    let logger: Logger

    var router: Router {
        var router = Router { [logger] error, request in
            logger.error("request failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
        }
        router.on("GET", "/healthz") { _ in .json(["status": "ok"]) }
        router.on("GET", "/readyz") { _ in readiness.response }
        router.on("GET", "/metrics") { request in
            if let metricsToken { try BearerToken.check(request, expected: metricsToken) }
            return metrics()
        }
        if apps.contains(where: { $0.dashboard != nil }) { DashboardRoutes.registerAssets(on: &router) }
        for app in apps { app.register(on: &router) }
        // The status over every app: with ADMIN_TOKEN, for it only; without, open only while no app guards its
        // own status with an admin_token (else it would show that app's rooms and agents to anyone).
        if tenants, adminToken != nil || apps.allSatisfy({ $0.admin == nil }) {
            router.on("GET", "/v1/status") { request in
                if let adminToken { try BearerToken.check(request, expected: adminToken) }
                return .json(status())
            }
        }
        return router
    }

    private func metrics() -> ServerResponse {
        let traffic = RedisConnection.traffic
        Gauge(label: "caa_redis_round_trips").record(traffic.roundTrips)
        Gauge(label: "caa_redis_commands").record(traffic.commands)
        for app in apps { app.recordGauges() }
        return .text(registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    /// Every app's status; an app whose Redis does not answer shows only its health.
    private func status() -> TenantsStatus {
        TenantsStatus(ready: readiness.problem == nil, apps: apps.map { app in
            if !readiness.isUnreachable(app.app), let status = try? app.serviceStatus() { return .status(status) }
            return .unavailable(ServiceStatus.App(id: app.app, health: AppHealth.redisUnavailable.rawValue,
                                                  problem: app.readiness.problem(of: app.app) ?? "Redis did not answer"))
        })
    }
}
