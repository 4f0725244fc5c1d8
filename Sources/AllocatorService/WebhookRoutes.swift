import Allocation
import Foundation
import HTTPServer
import Logging
import Metrics
import Prometheus
import Qiscus
import Redis

/// The HTTP interface of `allocator serve` (DESIGN.md section 3).
struct WebhookRoutes: Sendable {
    let store: AllocationStore
    let pool: RedisPool
    let secret: String?
    let registry: PrometheusCollectorRegistry
    let logger: Logger

    var router: Router {
        var router = Router()
        router.on("POST", "/webhooks/allocate") { request in count("allocate", allocate(request)) }
        router.on("POST", "/webhooks/resolve") { request in count("resolve", resolve(request)) }
        router.on("GET", "/healthz") { _ in .json(["status": "ok"]) }
        router.on("GET", "/readyz") { _ in readiness() }
        router.on("GET", "/metrics") { _ in metrics() }
        router.on("GET", "/v1/status") { _ in status() }
        return router
    }

    private func count(_ endpoint: String, _ response: ServerResponse) -> ServerResponse {
        Counter(label: "caa_webhooks_total", dimensions: [("endpoint", endpoint), ("status", String(response.status))])
            .increment()
        return response
    }

    func allocate(_ request: ServerRequest) -> ServerResponse {
        webhook(request, as: AllocationWebhook.self, room: \.roomID) { payload, connection in
            let code = try store.enqueue(room: payload.roomID, session: payload.sessionKey, on: connection)
            let status = switch code {
            case .queued, .queuedNewSession: "queued"
            case .duplicate, .stale, .invalid: "duplicate"
            case .alreadyAssigned: "assigned"
            }
            logger.debug("allocation webhook", metadata: ["room": "\(payload.roomID)", "result": "\(code)"])
            return .json(["status": status, "room_id": payload.roomID])
        }
    }

    func resolve(_ request: ServerRequest) -> ServerResponse {
        webhook(request, as: ResolveWebhook.self, room: \.roomID) { payload, connection in
            let result = try store.release(room: payload.roomID, sessionFloor: payload.sessionFloor, on: connection)
            let status = switch result.code {
            case .released: "released"
            case .dequeued, .dequeuedInFlight, .deadRemoved: "dequeued"
            case .unknown, .staleSession, .invalid: "unknown"
            }
            logger.info("room resolved", metadata: ["room": "\(payload.roomID)", "result": "\(result.code)",
                                                    "agent": "\(result.agent.map(String.init) ?? "-")"])
            return .json(["status": status, "room_id": payload.roomID])
        }
    }

    /// The steps every webhook shares: the secret check, decoding (400 on a bad body), then `body` with a
    /// Redis connection (503 while Redis is unreachable).
    private func webhook<Payload: Decodable>(_ request: ServerRequest, as type: Payload.Type, room: (Payload) -> String,
                                             _ body: (Payload, RedisConnection) throws -> ServerResponse) -> ServerResponse {
        if let denied = checkSecret(request) { return denied }
        switch decode(Payload.self, request.body) {
        case .failure(let error):
            return error.response
        case .success(let payload):
            return withRedis(room: room(payload)) { try body(payload, $0) }
        }
    }

    /// 401 unless the configured secret came as `?secret=` or `X-Webhook-Secret` (compared in constant time).
    private func checkSecret(_ request: ServerRequest) -> ServerResponse? {
        guard let secret else { return nil }
        let given = request.query["secret"] ?? request.header("X-Webhook-Secret") ?? ""
        if ConstantTime.equals(given, secret) { return nil }
        return .error(401, code: "unauthorized", message: "missing or wrong webhook secret")
    }

    private func decode<T: Decodable>(_ type: T.Type, _ body: Data) -> Result<T, ResponseError> {
        // JSON text is UTF-8 (RFC 8259). JSONDecoder only checks the strings it reads, so without this a body
        // with invalid bytes in a field the service ignores would be accepted.
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure(ResponseError(.error(400, code: "invalid_json", message: "the body is not valid UTF-8 JSON")))
        }
        do {
            return .success(try StrictJSON.decode(T.self, from: body))
        } catch let error as StrictJSONError {
            return .failure(ResponseError(.error(400, code: "invalid_json", message: "the body is not valid JSON: \(error)")))
        } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
            return .failure(ResponseError(.error(400, code: "invalid_room_id", message: context.debugDescription)))
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == "room_id" {
            return .failure(ResponseError(.error(400, code: "invalid_room_id", message: "room_id is missing")))
        } catch let error as DecodingError {
            if case .dataCorrupted = error {
                return .failure(ResponseError(.error(400, code: "invalid_json", message: "the body is not valid JSON")))
            }
            return .failure(ResponseError(.error(400, code: "invalid_payload", message: Self.describe(error))))
        } catch {
            return .failure(ResponseError(.error(400, code: "invalid_json", message: "the body is not valid JSON")))
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

    /// Runs a Redis step; a Redis outage is a 503 (nothing was stored; the sender may retry).
    private func withRedis(room: String, _ body: (RedisConnection) throws -> ServerResponse) -> ServerResponse {
        do {
            return try pool.withConnection(body)
        } catch let error as RedisError where error.isConnectionError {
            logger.error("Redis unreachable; webhook refused with 503", metadata: ["room": "\(room)", "error": "\(error)"])
            return .error(503, code: "redis_unavailable", message: "storage is unavailable; retry later")
        } catch {
            logger.error("webhook failed", metadata: ["room": "\(room)", "error": "\(error)"])
            return .error(500, code: "internal", message: "the webhook could not be stored")
        }
    }

    private func readiness() -> ServerResponse {
        do {
            try pool.withConnection { connection in
                try connection.execute(["PING"])
                let shas = AllocationScripts.all.compactMap(\.loadedSHA)
                let loaded = shas.count == AllocationScripts.all.count
                    ? try connection.execute(["SCRIPT", "EXISTS"] + shas).array?.allSatisfy { $0.int == 1 } ?? false
                    : false
                if !loaded { try AllocationScripts.loadAll(on: connection) }
            }
            return .json(["status": "ready"])
        } catch {
            return .error(503, code: "not_ready", message: "Redis is unreachable or the scripts could not be loaded")
        }
    }

    private func metrics() -> ServerResponse {
        let traffic = RedisConnection.traffic
        Gauge(label: "caa_redis_round_trips").record(traffic.roundTrips)
        Gauge(label: "caa_redis_commands").record(traffic.commands)
        (try? pool.withConnection { try store.summary(on: $0) })?.recordGauges()
        return .text(registry.emitToString(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    private func status() -> ServerResponse {
        withRedis(room: "-") { connection in
            let summary = try store.summary(on: connection)
            let dead = try store.deadRooms(limit: 100, on: connection)
            return .json(ServiceStatus(summary: summary, dead: dead))
        }
    }
}

/// A response carried as an error value.
struct ResponseError: Error {
    let response: ServerResponse
    init(_ response: ServerResponse) { self.response = response }
}
