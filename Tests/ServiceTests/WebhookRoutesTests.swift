import Allocation
@testable import AllocatorService
import Foundation
import HTTPServer
import Logging
import Prometheus
import Redis
import Testing
import TestSupport

/// The routes of `allocator serve` in process: the router called directly (as libmicrohttpd's threads call it),
/// with a real redis-server behind the store. The same interface over real processes is `WebhookInterfaceTests`.
@Suite struct WebhookRoutesTests {
    struct Fixture {
        let running: Running<RedisClient>
        let store: AllocationStore
        let readiness: Readiness
        let router: Router

        init(secret: String? = nil, redis configuration: RedisConfiguration? = nil) throws {
            running = Running(RedisClient(configuration: try configuration ?? RedisServerProcess.shared.configuration()))
            store = AllocationStore(keys: try Keyspace(prefix: "routes", app: TestKeys.uniqueApp()), redis: running.service)
            readiness = Readiness(apps: [store.keys.app])
            router = WebhookRoutes(store: store, readiness: readiness, gate: AllocationGate(), secret: secret,
                                   logger: Logger(label: "routes")).router()
        }

        /// Calls the router from a thread of its own, as libmicrohttpd does (the handlers wait on Redis).
        func call(_ method: String, _ path: String, body: Data = Data(), query: [String: String] = [:],
                  headers: [String: String] = [:]) async throws -> ServerResponse {
            let request = ServerRequest(method: method, path: path, query: query, headers: headers, body: body)
            let router = router
            return try await onThread { router.respond(to: request) }
        }
    }

    static func fixture(_ name: String) throws -> Data { try WebhookInterfaceTests.fixture(name) }

    /// The body as a flat JSON object of strings.
    static func fields(_ response: ServerResponse) -> [String: String] {
        ((try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    @Test func allocateQueuesOnceAndResolveDequeues() async throws {
        let f = try Fixture()
        let first = try await f.call("POST", "/webhooks/allocate", body: Self.fixture("caa-webhook-new"))
        #expect(first.status == 200 && Self.fields(first) == ["status": "queued", "room_id": "57491250"])
        let again = try await f.call("POST", "/webhooks/allocate", body: Self.fixture("caa-webhook-new"))
        #expect(Self.fields(again)["status"] == "duplicate")
        #expect(try await f.store.snapshot().queue == ["57491250"])
        let resolved = try await f.call("POST", "/webhooks/resolve", body: Self.fixture("resolve-webhook"))
        #expect(resolved.status == 200 && Self.fields(resolved)["status"] == "dequeued")
        #expect(try await f.store.snapshot().queue.isEmpty)
    }

    @Test func theSecretIsRequiredByQueryOrHeader() async throws {
        let f = try Fixture(secret: "s3cret")
        let body = try Self.fixture("caa-webhook-new")
        let missing = try await f.call("POST", "/webhooks/allocate", body: body)
        #expect(missing.status == 401 && Self.fields(missing)["error"] == "unauthorized")
        let wrong = try await f.call("POST", "/webhooks/allocate", body: body, query: ["secret": "s3creT"])
        #expect(wrong.status == 401)
        #expect(try await f.store.snapshot().queue.isEmpty, "nothing stored without the secret")
        #expect(try await f.call("POST", "/webhooks/allocate", body: body, query: ["secret": "s3cret"]).status == 200)
        #expect(try await f.call("POST", "/webhooks/resolve", body: Self.fixture("resolve-webhook"),
                                 headers: ["x-webhook-secret": "s3cret"]).status == 200)
    }

    @Test(arguments: [#"{"room_id":"1",}"#, #"{"room_id":"1"} // c"#, #"{"room_id":"1","room_id":"2"}"#,
                      #"{"room_id":"1","x":NaN}"#, "{not json"])
    func malformedJSONIsA400AndStoresNothing(body: String) async throws {
        let f = try Fixture()
        let response = try await f.call("POST", "/webhooks/allocate", body: Data(body.utf8))
        #expect(response.status == 400 && Self.fields(response)["error"] == "invalid_json", "\(body)")
        #expect(try await f.store.snapshot() == StoreSnapshot())
    }

    @Test func unknownPathsAndMethodsAreJSONErrors() async throws {
        let f = try Fixture()
        let missing = try await f.call("GET", "/nope")
        #expect(missing.status == 404 && Self.fields(missing)["error"] == "not_found")
        let method = try await f.call("GET", "/webhooks/allocate")
        #expect(method.status == 405 && Self.fields(method)["error"] == "method_not_allowed")
        #expect(method.headers.contains { $0.0 == "Allow" && $0.1 == "POST" })
    }

    @Test func readinessFollowsTheProbeAStorageFailureAndTheDrain() async throws {
        let f = try Fixture()
        #expect(try await f.call("GET", "/readyz").status == 503, "not checked yet")
        try await f.store.checkReadiness()
        f.readiness.update(app: f.store.keys.app, problem: nil)
        #expect(try await f.call("GET", "/readyz").status == 200)
        f.readiness.markDraining()
        let draining = try await f.call("GET", "/readyz")
        #expect(draining.status == 503 && Self.fields(draining)["message"] == "shutting down")
        #expect(try await f.call("GET", "/healthz").status == 200, "alive while draining")
    }

    @Test func aRedisThatCannotStoreIsA503AndNotReady() async throws {
        let port = try RedisServerProcess.freePort()
        let f = try Fixture(redis: RedisConfiguration(port: port, connectTimeout: 0.2))
        f.readiness.update(app: f.store.keys.app, problem: nil)
        let refused = try await f.call("POST", "/webhooks/allocate", body: Self.fixture("caa-webhook-new"))
        #expect(refused.status == 503 && Self.fields(refused)["error"] == "redis_unavailable")
        #expect(try await f.call("GET", "/readyz").status == 503, "a webhook that met the outage turned readiness off")
        #expect(f.readiness.isUnreachable(f.store.keys.app), "a connection that failed: the next calls are 503 at once")
        #expect(try await f.call("GET", "/v1/status").status == 503)
    }

    @Test func statusAndMetricsDescribeTheQueue() async throws {
        let f = try Fixture()
        #expect(try await f.call("POST", "/webhooks/allocate", body: Self.fixture("caa-webhook-new")).status == 200)
        let status = try await f.call("GET", "/v1/status")
        let decoded = try JSONDecoder().decode(ServiceStatus.self, from: status.body)
        #expect(decoded.queueLength == 1 && decoded.inFlight == 0 && decoded.deadCount == 0 && decoded.agents.isEmpty)
        let metrics = try await f.call("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers.contains { $0.0 == "Content-Type" && $0.1.hasPrefix("text/plain; version=0.0.4") })
    }
}
