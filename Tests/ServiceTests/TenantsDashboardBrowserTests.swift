import Foundation
import HTTPClient
import Testing
import TestSupport

/// The dashboard of an app of a tenants file, in a real headless chromium: its page at
/// `/apps/{app_id}/dashboard` finds its data, its changes and its logout under `/v1/apps/{app_id}/`, and its
/// login opens no other app.
@Suite(.serialized) struct TenantsDashboardBrowserTests {
    static let tokenA = "shop-a-admin-token-0123456789"

    @Test func anAppsPageReadsAndChangesOnlyItsOwnApp() async throws {
        let harness = try await onThread {
            try ServiceHarness(instances: 1, apps: [
                LocalStackApp("shop-a", agents: 1, fields: ["admin_token": Self.tokenA, "max_customers_per_agent": "1"]),
                LocalStackApp("shop-b", agents: 1, fields: ["admin_token": "shop-b-admin-token-0123456789"]),
            ], environment: ["RECONCILE_SECONDS": "600"])
        }
        defer { inBackground { harness.stop() } }
        let base = harness.instanceURLs[0]
        try await withPage { page in
            try await page.navigate(to: base + "/apps/shop-a/dashboard")
            try await page.type(Self.tokenA, into: "#token")
            try await page.waitForLoad { try await page.click("#login button[type=submit]") }
            try await page.waitFor("document.body.dataset.updated", timeout: .seconds(10))
            #expect(try await page.text("#app") == "shop-a")
            #expect(try await page.cookies().contains { $0.name == "caa_session_shop-a" && $0.httpOnly })

            // Two rooms for shop-a: one assigned (its agent takes one), one waiting; the page shows it live.
            for room in ["9101", "9102"] {
                let answer = try await onThread {
                    try harness.post(base + "/webhooks/shop-a/allocate", json: Data("{\"room_id\":\"\(room)\"}".utf8))
                }
                #expect(answer.status == 200)
            }
            try await page.waitFor("document.querySelector('[data-route=default] .queue-length').textContent === '1'",
                                   timeout: .seconds(10))
            // Pausing the agent from the page goes to shop-a's admin API (with the CSRF token).
            try await page.waitFor("document.querySelector(\"tr[data-agent='150001'] input.pause\") !== null", timeout: .seconds(10))
            try await page.click("tr[data-agent='150001'] input.pause")
            #expect(try await eventually(within: 5) {
                try await onThread {
                    try harness.admin("GET", "/v1/apps/shop-a/agents", instance: 0, token: Self.tokenA).text.contains("\"paused\":true")
                }
            }, "the page's change reached shop-a's admin API")
            #expect(try await onThread { try harness.simulatorReport(app: "shop-b").assigns.isEmpty }, "nothing of shop-b moved")

            // The login opens shop-a only; logging out returns to shop-a's login form.
            #expect(try await page.evaluate("fetch('/v1/apps/shop-b/dashboard').then(r => r.status)").int == 401)
            #expect(try await page.evaluate("fetch('/v1/dashboard').then(r => r.status)").int == 404)
            try await page.waitForLoad { try await page.click("#logout") }
            #expect(try await page.evaluate("location.pathname").string == "/apps/shop-a/dashboard")
            #expect(try await page.evaluate("document.querySelector('#login') !== null").bool == true)
        }
    }
}
