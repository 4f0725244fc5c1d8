import Allocation

/// The body of `GET /v1/dashboard`: everything the dashboard page draws, read at once (the page polls it).
struct DashboardState: Encodable {
    /// One route's last hour, minute by minute (oldest first): rooms served and the waits half and 95% of them
    /// were served within (the bound of the wait bucket, ms; nil without rooms or beyond the last bound).
    struct Chart: Encodable {
        struct Minute: Encodable {
            let minute: Int
            let served: Int
            let p50: Int?
            let p95: Int?

            enum CodingKeys: String, CodingKey {
                case minute, served
                case p50 = "p50_ms"
                case p95 = "p95_ms"
            }
        }

        let route: String
        let minutes: [Minute]
    }

    let app: String
    let nowMilliseconds: Int
    /// `DASHBOARD_WAIT_ALERT_SECONDS` in ms: longer waits are drawn in red.
    let alertWaitMilliseconds: Int
    /// The session's CSRF token (absent for a bearer-token client, which needs none).
    let csrf: String?
    let status: ServiceStatus
    let charts: [Chart]
    let agents: [AgentEntry]
    let recent: [RecentAssignment]

    static func charts(of summary: StoreSummary) -> [Chart] {
        summary.routes.map { route in
            Chart(route: route.name, minutes: route.minutes.map {
                Chart.Minute(minute: $0.minute, served: $0.served, p50: $0.waitAtMost(0.5), p95: $0.waitAtMost(0.95))
            })
        }
    }

    enum CodingKeys: String, CodingKey {
        case app, csrf, status, charts, agents, recent
        case nowMilliseconds = "now_ms"
        case alertWaitMilliseconds = "alert_wait_ms"
    }
}
