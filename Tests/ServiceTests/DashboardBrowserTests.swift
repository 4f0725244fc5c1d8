import Dashboard
import Foundation
import HTTPClient
import Testing
import TestSupport

/// The dashboard in a real headless chromium (driven over the DevTools protocol by `Browser`), against two real
/// `allocator serve` instances on one Redis and the Qiscus simulator: login, the numbers against `/v1/status`,
/// live updates without reload, changes from the page honoured by both instances' reservations, requeue, escaping,
/// field errors, and what a wrong token, an expired cookie and another site get.
@Suite(.serialized) struct DashboardBrowserTests {
    static let token = ServiceHarness.adminToken

    /// Two instances, agents 150001 (Ana) and 150002 (whose name is markup), one room each at most, one try per
    /// API call (a 5xx kills the room at once).
    static func harness() throws -> ServiceHarness {
        let harness = try ServiceHarness(instances: 2, agents: 2, environment: [
            "ADMIN_TOKEN": token, "MAX_CUSTOMERS_PER_AGENT": "1", "QISCUS_MAX_ATTEMPTS": "1", "RECONCILE_SECONDS": "600",
        ])
        let agents = #"{"agents":[{"id":150001,"name":"Ana"},{"id":150002,"name":"<img src=x onerror=\"window.injected=1\">Budi"}]}"#
        let response = try harness.post(harness.simulatorURL + "/sim/agents", json: Data(agents.utf8))
        guard response.status == 200 else { throw TestSupportError("sim agents: \(response.status) \(response.text)") }
        return harness
    }

    /// Logs in through the form of an instance's `/dashboard` and waits for the first data.
    static func logIn(_ page: BrowserPage, at url: String) async throws {
        try await page.navigate(to: url + "/dashboard")
        try await page.type(token, into: "#token")
        try await page.waitForLoad { try await page.click("#login button[type=submit]") }
        try await page.waitFor("document.body.dataset.updated", timeout: .seconds(10))
    }

    /// A number of the page: a route card's field (`.queue-length` ...) or a total (`[data-total=...]`).
    static func shown(_ page: BrowserPage, _ selector: String) async throws -> String? {
        try await page.text(selector)
    }

    static func status(_ harness: ServiceHarness, instance: Int) async throws -> [String: Any] {
        let response = try await onThread { try harness.admin("GET", "/v1/status", instance: instance, token: token) }
        return try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
    }

    static func assignedAgent(_ harness: ServiceHarness, room: String) throws -> Int? {
        try harness.simulatorReport().assigns.last { $0.room == room }?.agent
    }

    @Test func aWrongTokenOrAnExpiredCookieSeesOnlyTheLoginForm() async throws {
        let harness = try await onThread { try Self.harness() }
        defer { inBackground { harness.stop() } }
        try await withPage { page in
            try await page.navigate(to: harness.instanceURLs[0] + "/dashboard")
            try await page.type("not-the-token-at-all", into: "#token")
            try await page.waitForLoad { try await page.click("#login button[type=submit]") }
            #expect(try await page.text(".login-error") == "Wrong token.")
            #expect(try await page.evaluate("document.querySelector('#agents') === null && document.scripts.length === 0").bool == true,
                    "no dashboard, no script")
            let text = try await page.evaluate("document.documentElement.outerHTML").string ?? ""
            #expect(!text.contains("150001") && !text.contains("Ana") && !text.contains("sim-app"), "nothing leaked")
            #expect(try await page.cookies().allSatisfy { $0.name != DashboardSession.cookieName })
            // A session signed with the right token but expired an hour ago is no session.
            let expired = DashboardSession(token: Self.token, lifetimeSeconds: 60).issue(now: Date().addingTimeInterval(-3_600))
            let host = URL(string: harness.instanceURLs[0])?.host ?? "127.0.0.1"
            try await page.send("Network.setCookie", ["name": .string(DashboardSession.cookieName), "value": .string(expired),
                                                      "domain": .string(host), "path": "/", "httpOnly": true])
            try await page.navigate(to: harness.instanceURLs[0] + "/dashboard")
            #expect(try await page.evaluate("document.querySelector('#login') !== null").bool == true)
            let fetched = try await page.evaluate("fetch('/v1/dashboard').then(r => r.status)")
            #expect(fetched.int == 401)
        }
    }

    @Test func theDashboardFollowsTheServiceAndItsChangesTakeEffectInBothInstances() async throws {
        let harness = try await onThread { try Self.harness() }
        defer { inBackground { harness.stop() } }
        try await withPage { page in
            try await Self.logIn(page, at: harness.instanceURLs[0])
            let cookie = try #require(try await page.cookies().first { $0.name == DashboardSession.cookieName })
            #expect(cookie.httpOnly && cookie.sameSite == "Strict")
            #expect(try await page.evaluate("document.cookie.includes('caa_session')").bool == false, "HttpOnly")
            try await page.evaluate("window.notReloaded = true")

            // Two rooms take both agents; the third waits, and shows up without a reload.
            for room in ["7100001", "7100002"] {
                _ = try await onThread { try harness.allocate(room: room, origin: nil, instance: 1) }
            }
            try await page.waitFor("document.querySelector('#recent tbody').rows.length === 2", timeout: .seconds(15))
            _ = try await onThread { try harness.allocate(room: "7100003", origin: nil, instance: 1) }
            try await page.waitFor("document.querySelector('[data-route=default] .queue-length').textContent === '1'",
                                   timeout: .seconds(10))
            #expect(try await page.evaluate("window.notReloaded === true").bool == true, "updated in place")

            // The numbers are /v1/status's (read from the other instance).
            let status = try await Self.status(harness, instance: 1)
            let route = try #require((status["routes"] as? [[String: Any]])?.first { $0["name"] as? String == "default" })
            #expect(try await page.text("[data-route=default] .queue-length") == "\(route["queue_length"] as? Int ?? -1)")
            #expect(try await page.text("[data-total=queue_length]") == "\(status["queue_length"] as? Int ?? -1)")
            #expect(try await page.text("[data-total=dead_count]") == "\(status["dead_count"] as? Int ?? -1)")
            #expect(try await page.text("tr[data-agent='150001'] td:nth-child(3)") == "1 / 1")

            // Markup in a name is text: no element made, no script run.
            let name = try await page.text("tr[data-agent='150002'] td:nth-child(1) strong")
            #expect(name == "<img src=x onerror=\"window.injected=1\">Budi")
            #expect(try await page.evaluate("document.images.length === 0 && window.injected === undefined").bool == true)

            // A field being typed in keeps its focus and text while the rows refresh every second.
            try await page.type("4", into: "tr[data-agent='150001'] input.limit")
            for _ in 0..<2 {
                let before = try await page.evaluate("document.body.dataset.updated").string ?? ""
                try await page.waitFor("document.body.dataset.updated !== \(JSONValue.string(before))", timeout: .seconds(5))
            }
            let kept = try await page.evaluate("""
                document.activeElement === document.querySelector("tr[data-agent='150001'] input.limit")
                  && document.activeElement.value === '4'
                """)
            #expect(kept.bool == true, "focus and text kept over two refreshes")

            // A bad limit from the form: the field error, nothing stored.
            for bad in ["-1", "0", "10001", "abc"] {
                try await page.type(bad, into: "tr[data-agent='150001'] input.limit")
                try await page.click("tr[data-agent='150001'] button.save")
                let error = try await page.waitFor("document.querySelector(\"tr[data-agent='150001'] .field-error\").textContent")
                #expect(error.string?.contains("max_customers") == true, "\(bad): \(error)")
                try await page.evaluate("document.querySelector(\"tr[data-agent='150001'] .field-error\").textContent = ''")
            }
            let agents = try await onThread { try harness.adminAgents(instance: 1) }
            #expect(agents[150_001]?.limit == 1 && agents[150_001]?.limit_source == "global", "nothing stored (read by the other instance)")

            // With the second instance stopped, Ana may take two rooms: the first instance gives her the waiting room.
            _ = try await onThread { harness.instance(1).terminate() }
            try await page.type("2", into: "tr[data-agent='150001'] input.limit")
            try await page.click("tr[data-agent='150001'] button.save")
            try await page.waitFor("document.querySelector(\"tr[data-agent='150001'] td:nth-child(3)\").textContent === '2 / 2'",
                                   timeout: .seconds(10))
            #expect(try await onThread { try Self.assignedAgent(harness, room: "7100003") } == 150_001)

            // The same login opens another instance's dashboard; with the first instance stopped, a change made
            // there is honoured by that instance's reservations.
            let other = try await onThread {
                let index = try harness.startInstance()
                _ = harness.instance(0).terminate()
                return index
            }
            try await page.navigate(to: harness.instanceURLs[other] + "/dashboard")
            try await page.waitFor("document.body.dataset.updated", timeout: .seconds(10))
            _ = try await onThread { try harness.allocate(room: "7100004", origin: nil, instance: other) }
            try await page.waitFor("document.querySelector('[data-route=default] .queue-length').textContent === '1'",
                                   timeout: .seconds(10))
            try await page.click("tr[data-agent='150002'] input.pause")
            try await page.waitFor("""
                fetch('/v1/dashboard').then(r => r.json()).then(s => s.agents.find(a => a.id === 150002).paused)
                """, timeout: .seconds(5))
            try await page.type("3", into: "tr[data-agent='150002'] input.limit")
            try await page.click("tr[data-agent='150002'] button.save")
            try await page.waitFor("document.querySelector(\"tr[data-agent='150002'] .source\").textContent.includes('override')",
                                   timeout: .seconds(10))
            try await Task.sleep(for: .seconds(1))
            #expect(try await onThread { try Self.assignedAgent(harness, room: "7100004") } == nil, "paused: no new room")
            try await page.click("tr[data-agent='150002'] input.pause")
            try await page.waitFor("document.querySelector('[data-route=default] .queue-length').textContent === '0'",
                                   timeout: .seconds(10))
            #expect(try await onThread { try Self.assignedAgent(harness, room: "7100004") } == 150_002)
            #expect(page.errors.isEmpty, "\(page.errors)")
        }
    }

    @Test func aDeadRoomIsRequeuedFromThePageAndAnotherSiteChangesNothing() async throws {
        let harness = try await onThread { try Self.harness() }
        defer { inBackground { harness.stop() } }
        try await withPage { page in
            try await Self.logIn(page, at: harness.instanceURLs[0])
            // Qiscus fails every call: the room's one try fails and it goes to the dead list.
            try await onThread {
                _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"server_error_rate":1.0}"#.utf8))
                try harness.allocate(room: "7200001", origin: nil, instance: 0)
            }
            try await page.waitFor("document.querySelector(\"#dead tr[data-room='7200001']\")", timeout: .seconds(20))
            let reason = try await page.text("#dead tr[data-room='7200001'] td:nth-child(2)")
            #expect(reason?.isEmpty == false)
            #expect(try await page.text("[data-total=dead_count]") == "1")
            try await onThread {
                _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"server_error_rate":0.0}"#.utf8))
            }

            // Pages of other origins POST the requeue with the browser's credentials: a cross-site page (`localhost`
            // is another site than `127.0.0.1`: the SameSite=Strict cookie stays home) and a same-site one on another
            // port (the cookie goes, but Sec-Fetch-Site says same-site and there is no CSRF token). Both are refused:
            // the room stays dead.
            let requeue = harness.instanceURLs[0] + "/v1/dead/requeue"
            let otherSite = harness.simulatorURL.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/sim/state"
            for origin in [otherSite, harness.simulatorURL + "/sim/state"] {
                try await page.navigate(to: origin)
                let sent = try await page.evaluate("""
                    fetch(\(JSONValue.string(requeue)), {method: 'POST', mode: 'no-cors', credentials: 'include',
                      body: '{}'}).then(() => 'sent', (e) => 'failed: ' + e)
                    """)
                #expect(sent.string == "sent", "\(origin): the request left the browser (\(sent))")
            }
            try await Task.sleep(for: .milliseconds(500))
            let stillDead = try await Self.status(harness, instance: 0)["dead_count"] as? Int
            #expect(stillDead == 1, "other origins requeued nothing")

            try await page.navigate(to: harness.instanceURLs[0] + "/dashboard")
            try await page.click("#dead tr[data-room='7200001'] button.requeue", timeout: .seconds(10))
            try await page.waitFor("document.querySelector('#dead-none').hidden === false", timeout: .seconds(10))
            let assigned = try await eventually(within: 15) { try await onThread { try Self.assignedAgent(harness, room: "7200001") } != nil }
            #expect(assigned, "the requeued room was assigned")
        }
    }
}
