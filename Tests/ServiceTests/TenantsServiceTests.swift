import Foundation
import HTTPClient
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

/// Many apps in one deployment, with real processes: `allocator serve` instances reading a `TENANTS_FILE`, one
/// `allocator simulate` per app, and a redis-server.
@Suite(.serialized) struct TenantsServiceTests {
    static let apps = ["shop-a", "shop-b", "shop-c"]
    static let globalToken = "global-admin-token-0123456789"

    /// An app's own `admin_token`.
    static func token(_ app: String) -> String { "\(app)-admin-token-0123456789" }

    @Test func twoInstancesServeThreeAppsEachThroughItsOwnQiscusAndPaths() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 2, apps: Self.apps.map {
                LocalStackApp($0, agents: 3, fields: ["admin_token": Self.token($0), "max_customers_per_agent": "2"])
            }, environment: ["ADMIN_TOKEN": Self.globalToken, "SHUTDOWN_DRAIN_SECONDS": "0"])
            defer { harness.stop() }
            let client = HTTPClient()
            // Each app's own five rooms and one room id every app has (their keys are apart): 6 rooms, 6 slots.
            var posted: [String: Set<String>] = [:]
            for (index, app) in Self.apps.enumerated() {
                let rooms = (1...5).map { String((index + 1) * 1000 + $0) } + ["9999"]
                posted[app] = Set(rooms)
                for (number, room) in rooms.enumerated() {
                    let body = try harness.customerMessage(app: app, room: room, client: client)
                    for copy in 0..<2 {
                        let url = harness.instanceURLs[(number + copy) % 2] + "/webhooks/\(app)/allocate"
                        let response = try harness.post(url, json: body, client: client)
                        let status = Self.json(response)["status"].string ?? ""
                        #expect(response.status == 200 && (copy == 0 ? ["queued", "duplicate", "assigned"] : ["duplicate", "assigned"])
                            .contains(status), "\(app) \(room) copy \(copy): \(response.status) \(response.text)")
                    }
                }
            }
            let served = try eventually(within: 20) {
                try Self.apps.allSatisfy { Set(try harness.simulatorReport(app: $0, client: client).assigns.map(\.room)) == posted[$0] }
            }
            #expect(served, "every app's rooms are assigned by its own simulator")

            // One more room per app waits: its agents are full.
            for (index, app) in Self.apps.enumerated() {
                let room = String((index + 1) * 1000 + 7)
                let response = try harness.post(harness.instanceURLs[index % 2] + "/webhooks/\(app)/allocate",
                                                json: harness.customerMessage(app: app, room: room, client: client), client: client)
                #expect(Self.json(response)["status"].string == "queued", "\(response.text)")
                posted[app]?.insert(room)
            }
            for app in Self.apps {
                #expect(try eventually(within: 10) { try Self.waiting(harness, app: app) == 1 }, "\(app) holds its room")
            }

            // The paths of a single app are gone; a body naming another app is refused and stores nothing.
            let body = try harness.customerMessage(app: "shop-b", room: "2008", client: client)
            for path in ["/webhooks/allocate", "/webhooks/resolve"] {
                #expect(try harness.post(harness.instanceURLs[0] + path, json: body, client: client).status == 404, "\(path)")
            }
            let wrong = try harness.post(harness.instanceURLs[1] + "/webhooks/shop-a/allocate", json: body, client: client)
            #expect(wrong.status == 400 && Self.json(wrong)["error"].string == "wrong_app", "\(wrong.status) \(wrong.text)")
            #expect(try Self.waiting(harness, app: "shop-a") == 1 && Self.waiting(harness, app: "shop-b") == 1)

            // A resolve frees a slot of its app only: room 9999 of shop-a serves shop-a's waiting room, while the
            // 9999 of the other apps keeps its agent and their rooms wait, until their own resolve.
            for (index, app) in Self.apps.enumerated() {
                let resolve = try #require(try harness.resolveInSimulator(app: app, room: "9999", client: client))
                let response = try harness.post(harness.instanceURLs[(index + 1) % 2] + "/webhooks/\(app)/resolve", json: resolve, client: client)
                #expect(Self.json(response)["status"].string == "released", "\(app): \(response.text)")
                let waiting = String((index + 1) * 1000 + 7)
                #expect(try eventually(within: 10) { try harness.simulatorReport(app: app, client: client).rooms[waiting] != nil },
                        "\(app)'s waiting room is served after its resolve")
                for later in Self.apps[(index + 1)...] {
                    #expect(try Self.waiting(harness, app: later) == 1, "\(later) still waits")
                    #expect(try harness.simulatorReport(app: later, client: client).rooms["9999"] != nil)
                }
            }

            for app in Self.apps {
                let report = try harness.simulatorReport(app: app, client: client)
                #expect(Set(report.assigns.map(\.room)) == posted[app], "\(app)'s simulator saw only \(app)'s rooms")
                #expect(report.assigns.count == posted[app]?.count, "\(app): each room assigned once")
                #expect(report.conflicts == 0 && report.maxLoads.values.allSatisfy { $0 <= 2 }, "\(app): \(report.maxLoads)")
            }

            // Each app's status and admin API open with its own token or the global one, not with another app's.
            for app in Self.apps {
                let url = harness.instanceURLs[1] + "/v1/apps/\(app)/status"
                let own = try Self.get(url, token: Self.token(app))
                #expect(own.status == 200 && Self.json(own)["app"]["app_id"].string == app && Self.json(own)["app"]["health"].string == "ready",
                        "\(own.text)")
                let other = Self.apps.first { $0 != app }!
                for path in ["/status", "/agents"] {
                    let url = harness.instanceURLs[1] + "/v1/apps/\(app)" + path
                    #expect(try Self.get(url, token: Self.globalToken).status == 200, "\(url)")
                    #expect(try Self.get(url, token: nil).status == 401, "\(url)")
                    #expect(try Self.get(url, token: Self.token(other)).status == 401, "\(url) refuses \(other)'s token")
                }
            }
            let global = try Self.get(harness.instanceURLs[0] + "/v1/status", token: Self.globalToken)
            let statuses = Self.json(global)["apps"].array ?? []
            #expect(global.status == 200 && Self.json(global)["ready"].bool == true, "\(global.text)")
            #expect(statuses.map { $0["app"]["app_id"].string ?? "" } == Self.apps)
            #expect(statuses.allSatisfy { $0["app"]["health"].string == "ready" && $0["queue_length"].int == 0 }, "\(global.text)")
            #expect(try Self.get(harness.instanceURLs[0] + "/v1/status", token: Self.token("shop-a")).status == 401)
            #expect(try harness.get(harness.instanceURLs[1] + "/readyz").status == 200)

            // Every assign is in its app's series, on the instance that made it.
            let metrics = try harness.instanceURLs.map { try harness.get($0 + "/metrics").text }
            for app in Self.apps {
                let assigns = metrics.map { Self.metric($0, "caa_webhook_to_assign_seconds_count{app=\"\(app)\"}") ?? 0 }.reduce(0, +)
                #expect(Int(assigns) == posted[app]?.count, "\(app): \(assigns) assigns in the metrics")
                #expect(metrics.allSatisfy { Self.metric($0, "caa_app_ready{app=\"\(app)\",reason=\"ready\"}") == 1 })
            }
        }
    }

    /// The issue's target: app A holding 5,000 waiting rooms while its Qiscus answers in 2 s does not slow app B.
    @Test func aSlowAppWithThousandsWaitingDoesNotDelayAnotherApp() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, apps: [
                LocalStackApp("shop-a", agents: 50, simulatorArguments: ["--latency-ms", "2000"]),
                LocalStackApp("shop-b", agents: 30),
            ], environment: ["SHUTDOWN_DRAIN_SECONDS": "0"])
            defer {
                harness.instance(0).signal(SIGKILL) // its calls to the slow simulator need not finish
                harness.stop()
            }
            let instance = harness.instanceURLs[0]

            // 5,000 rooms for A from 8 senders; A's 100 slots take a few rooms a second, so nearly all wait.
            let builder = QiscusSimulator(configuration: SimulatorConfiguration(appID: "shop-a"))
            let rooms = (1...5_000).map { String(100_000 + $0) }
            let failures = Mutex<[String]>([])
            onThreads(8) { sender in
                let client = HTTPClient()
                for index in stride(from: sender, to: rooms.count, by: 8) {
                    let response = try? harness.post(instance + "/webhooks/shop-a/allocate",
                                                     json: builder.allocationWebhook(room: rooms[index]), client: client)
                    if response?.status != 200 {
                        failures.withLock { $0.append("\(rooms[index]): \(response.map { "\($0.status) \($0.text)" } ?? "no answer")") }
                    }
                }
            }
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")

            // Then 50 rooms for B, one every 40 ms, while A's allocation tasks wait on its slow Qiscus.
            let client = HTTPClient()
            let callsBefore = try harness.simulatorStats(app: "shop-a", client: client).apiCalls
            var sentAt: [String: Double] = [:]
            for number in 1...50 {
                let room = String(200_000 + number)
                let body = try harness.customerMessage(app: "shop-b", room: room, client: client)
                sentAt[room] = Date().timeIntervalSince1970
                let response = try harness.post(instance + "/webhooks/shop-b/allocate", json: body, client: client)
                #expect(response.status == 200, "\(response.text)")
                Thread.sleep(forTimeInterval: 0.04) // a steady pace, not a burst
            }
            #expect(try eventually(within: 20) {
                Set(try harness.simulatorReport(app: "shop-b", client: client).assigns.map(\.room)) == Set(sentAt.keys)
            }, "every room of B is served")
            let waits = try harness.simulatorReport(app: "shop-b", client: client).assigns.compactMap { assign in
                sentAt[assign.room].map { assign.at - $0 }
            }.sorted()
            let p99 = try #require(waits.isEmpty ? nil : waits[Int((Double(waits.count) * 0.99).rounded(.up)) - 1])
            #expect(p99 < 1, "B's webhook-to-assign p99 is \(p99) s (waits \(waits.suffix(5)))")

            // A was busy all along: its Qiscus took calls during B's rooms, and nearly all its rooms still wait.
            #expect(try harness.simulatorStats(app: "shop-a", client: client).apiCalls > callsBefore)
            let waiting = try Self.status(harness, app: "shop-a")["queue_length"].int ?? 0
            #expect(waiting > 4_500, "A holds \(waiting) waiting rooms")
            // The instance's own histogram agrees: B's 50 assigns all within 1 s of their webhooks.
            let metrics = try harness.get(instance + "/metrics").text
            #expect(Self.metric(metrics, "caa_webhook_to_assign_seconds_count{app=\"shop-b\"}") == 50)
            #expect(Self.metric(metrics, "caa_webhook_to_assign_seconds_bucket{app=\"shop-b\",le=\"1.0\"}") == 50, "\(metrics.split(separator: "\n").filter { $0.contains("shop-b") && $0.contains("to_assign") })")
        }
    }

    @Test func settingsOfASingleAppBesideATenantsFileOrABadFileStopStartUp() async throws {
        try await onThread {
            // No instance gets as far as Redis: a stack on an external REDIS_URL (nothing listens there) will do.
            let harness = try ServiceHarness(instances: 0, apps: [LocalStackApp("shop-a", agents: 1)], redisURL: "redis://127.0.0.1:1/0")
            defer { harness.stop() }
            let bad = harness.directory.appendingPathComponent("bad-tenants.yaml")
            try Data("apps:\n  - app_id: shop-a\n    secret_key: shop-a-secret\n    max_customers: 3\n".utf8).write(to: bad)
            let cases: [(environment: [String: String], line: String)] = [
                (["QISCUS_APP_ID": "shop-a"], "allocator: configuration error: QISCUS_APP_ID must not be set with TENANTS_FILE"),
                (["QISCUS_SECRET_KEY": "shop-a-secret"], "allocator: configuration error: QISCUS_SECRET_KEY must not be set with TENANTS_FILE"),
                (["ROUTES_FILE": harness.directory.appendingPathComponent("routes.yaml").path],
                 "allocator: configuration error: ROUTES_FILE must not be set with TENANTS_FILE"),
                (["TENANTS_FILE": bad.path], "allocator: configuration error: TENANTS_FILE \(bad.path)"),
            ]
            for (environment, line) in cases {
                let index = try harness.startInstance(environment: environment, waitUntilReady: false)
                #expect(harness.instance(index).wait(timeout: 10) == 78, "EX_CONFIG for \(environment)")
                let lines = harness.log("instance-\(index)").split(separator: "\n")
                #expect(lines.count == 1 && lines[0].hasPrefix(line), "\(lines)")
                if environment["TENANTS_FILE"] != nil { #expect(lines.first?.contains("max_customers") == true, "names the field") }
            }
        }
    }

    @Test func anAppMovedIntoATenantsFileKeepsItsWaitingRooms() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 0, apps: [LocalStackApp("shop-a", agents: 1)],
                                             environment: ["MAX_CUSTOMERS_PER_AGENT": "2", "SHUTDOWN_DRAIN_SECONDS": "0"])
            defer { harness.stop() }
            let client = HTTPClient()
            // First the app alone, by QISCUS_APP_ID (a blank TENANTS_FILE is unset): two rooms served, three wait.
            let single = try harness.startInstance(environment: [
                "TENANTS_FILE": "", "QISCUS_APP_ID": "shop-a", "QISCUS_SECRET_KEY": "shop-a-secret",
                "QISCUS_BASE_URL": harness.simulatorURL(app: "shop-a"),
            ])
            let rooms = (1...5).map { String(500 + $0) }
            for room in rooms {
                let response = try harness.post(harness.instanceURLs[single] + "/webhooks/allocate",
                                                json: harness.customerMessage(room: room, client: client), client: client)
                #expect(response.status == 200, "\(response.text)")
            }
            let settled = try eventually(within: 10) {
                let status = Self.json(try harness.get(harness.instanceURLs[single] + "/v1/status", client: client))
                let served = try harness.simulatorReport(client: client).assigns.count
                return status["queue_length"].int == 3 && status["in_flight"].int == 0 && served == 2
            }
            #expect(settled, "two rooms served, three wait")
            #expect(harness.instance(single).terminate(grace: 10) == 0)

            // Then through the tenants file: the same keys, so its rooms are still there and served.
            let tenant = try harness.startInstance()
            #expect(try Self.waiting(harness, app: "shop-a", instance: tenant) == 3)
            // Each resolve (by the tenant path: the room is known under the same keys) lets a waiting room in.
            var holders = try harness.simulatorReport(client: client).assigns.map(\.room)
            for served in 3...5 {
                let resolve = try #require(try harness.resolveInSimulator(room: holders.removeFirst(), client: client))
                let response = try harness.post(harness.instanceURLs[tenant] + "/webhooks/shop-a/resolve", json: resolve, client: client)
                #expect(Self.json(response)["status"].string == "released", "\(response.text)")
                #expect(try eventually(within: 10) { try harness.simulatorReport(client: client).assigns.count == served },
                        "a waiting room is served after the resolve")
                holders += try harness.simulatorReport(client: client).assigns.suffix(1).map(\.room)
            }
            #expect(try harness.simulatorReport(client: client).assigns.map(\.room).sorted() == rooms, "each room once")
            #expect(try eventually(within: 5) { try Self.waiting(harness, app: "shop-a", instance: tenant) == 0 })
            #expect(try harness.simulatorReport(client: client).maxLoads.values.allSatisfy { $0 <= 2 })
        }
    }

    @Test func anAppIDOfTheLongestLengthIsServed() async throws {
        // The longest id QISCUS_APP_ID and app_id take (128 characters): every key, token and name built from it
        // must stay within what the scripts accept.
        let id = "a" + String(repeating: "b-", count: 63) + "c"
        try await onThread {
            let harness = try ServiceHarness(instances: 1, apps: [LocalStackApp(id, agents: 1)])
            defer { harness.stop() }
            let client = HTTPClient()
            let response = try harness.post(harness.instanceURLs[0] + "/webhooks/\(id)/allocate",
                                            json: Data(#"{"room_id":"4242"}"#.utf8), client: client)
            #expect(response.status == 200, "\(response.text)")
            #expect(try eventually(within: 10) { try harness.simulatorReport(app: id, client: client).assigns.map(\.room) == ["4242"] },
                    "\(harness.log("instance-0").suffix(2000))")
        }
    }

    // MARK: - Helpers

    static func json(_ response: HTTPClientResponse) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: response.body)) ?? .null
    }

    /// An app's `/v1/apps/{app}/status` from an instance, with the global admin token.
    static func status(_ harness: ServiceHarness, app: String, instance: Int = 0) throws -> JSONValue {
        let response = try get(harness.instanceURLs[instance] + "/v1/apps/\(app)/status", token: globalToken)
        guard response.status == 200 else { throw TestSupportError("status of \(app): \(response.status) \(response.text)") }
        return json(response)
    }

    /// An app's rooms waiting or in flight, by its status.
    static func waiting(_ harness: ServiceHarness, app: String, instance: Int = 0) throws -> Int {
        let status = try status(harness, app: app, instance: instance)
        return (status["queue_length"].int ?? -100) + (status["in_flight"].int ?? -100)
    }

    /// A GET with `Authorization: Bearer <token>` when given.
    static func get(_ url: String, token: String?) throws -> HTTPClientResponse {
        try HTTPClient().perform(HTTPClientRequest(url: url, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? []))
    }

    /// The value of the `/metrics` line of `series` (name and labels as written), nil when absent.
    static func metric(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
