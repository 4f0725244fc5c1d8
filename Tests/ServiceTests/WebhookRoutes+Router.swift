@testable import AllocatorService
import HTTPServer
import Logging
import Prometheus

extension WebhookRoutes {
    /// The router of an instance serving only this app, as `allocator serve` builds it.
    func router(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), metricsToken: String? = nil,
                adminToken: String? = nil, tenants: Bool = false) -> Router {
        ServiceRoutes(apps: [self], readiness: readiness, registry: registry, metricsToken: metricsToken,
                      adminToken: adminToken, tenants: tenants, logger: logger).router
    }
}
