import Foundation
import HTTPClient
import Metrics

/// The Qiscus Omnichannel admin API calls the service makes, for any number of tasks at once: requests
/// go through one ``HTTPMultiClient`` (connections kept alive and reused, no thread per request), which the
/// caller runs as a service (see ``makeHTTPClient(for:)``).
public final class QiscusClient: Sendable {
    /// Where the API is and how to authenticate.
    public struct Configuration: Sendable, Equatable {
        public var baseURL: String
        public var appID: String
        public var secretKey: String
        /// Seconds per request (`QISCUS_TIMEOUT_SECONDS`).
        public var timeout: Double
        /// Agents asked for per page of available agents.
        public var pageSize: Int
        /// Cursor pages of available agents followed at most per listing: every online agent must be listed,
        /// whatever page size Qiscus grants (1,000 pages of 20 is 20,000 agents); a listing with more pages is an
        /// error of that call.
        public var maxPages: Int
        /// The largest answer kept (`QISCUS_MAX_RESPONSE_BYTES`); a larger one is an error of that call.
        public var maxResponseBytes: Int
        /// Agents asked for per page of agents by division (Qiscus may serve fewer; every page is read).
        public var divisionPageSize: Int

        public init(baseURL: String, appID: String, secretKey: String, timeout: Double = 5, pageSize: Int = 100,
                    maxPages: Int = 1_000, maxResponseBytes: Int = 8 << 20, divisionPageSize: Int = 50) {
            self.maxResponseBytes = maxResponseBytes
            self.divisionPageSize = divisionPageSize
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.appID = appID
            self.secretKey = secretKey
            self.timeout = timeout
            self.pageSize = pageSize
            self.maxPages = maxPages
        }
    }

    /// What the assign call did.
    public enum AssignOutcome: Sendable, Equatable {
        /// The agent was added to the room.
        case assigned
        /// Qiscus answered "exceed max agents": the room has an agent already (an earlier try of ours that
        /// we did not hear back from). Treated as success, so retries are idempotent.
        case alreadyAssigned
    }

    public let configuration: Configuration
    private let http: HTTPMultiClient

    /// - Parameter http: the client requests go through; run it (``HTTPMultiClient/run()``) for as long as this
    ///   client is used.
    public init(configuration: Configuration, http: HTTPMultiClient) {
        self.configuration = configuration
        self.http = http
    }

    /// An HTTP client with the timeouts of `configuration`.
    public static func makeHTTPClient(for configuration: Configuration) -> HTTPMultiClient {
        HTTPMultiClient(configuration: .init(connectTimeout: min(2, configuration.timeout), totalTimeout: configuration.timeout,
                                             maxResponseBytes: configuration.maxResponseBytes))
    }

    var authHeaders: [(String, String)] {
        [("Qiscus-App-Id", configuration.appID), ("Qiscus-Secret-Key", configuration.secretKey)]
    }

    /// The agents that may receive the room now (available and not forced offline), every page of them.
    public func onlineAgents(room: String) async throws(QiscusError) -> [Agent] {
        try await listedAgents(room: room).filter(\.isOnline)
    }

    /// Every agent the endpoint lists for the room, online or not, following the cursor page by page (cursor
    /// pages can not be fetched in parallel) until the last page. More than `maxPages` pages, or a cursor that
    /// comes back, is `.invalidResponse`: a listing that stopped early would leave agents without rooms.
    public func listedAgents(room: String) async throws(QiscusError) -> [Agent] {
        var agents: [Agent] = []
        var cursor: String?
        var cursors = Set<String>()
        for number in 1... {
            guard number <= max(1, configuration.maxPages) else {
                throw .invalidResponse("available_agents: more than \(configuration.maxPages) pages")
            }
            var query = [("room_id", room), ("limit", String(configuration.pageSize)), ("is_available_in_room", "true")]
            if let cursor { query.append(("cursor_after", cursor)) }
            let response = try await send(HTTPClientRequest(
                method: "GET", url: configuration.baseURL + "/api/v2/admin/service/available_agents",
                query: query, headers: authHeaders))
            let page: AvailableAgentsPage
            do {
                page = try JSONDecoder().decode(AvailableAgentsPage.self, from: response.body)
            } catch {
                throw .invalidResponse("available_agents: \(error)")
            }
            agents += page.data.agents
            guard let next = page.meta?.after, !next.isEmpty, !page.data.agents.isEmpty else { break }
            guard cursors.insert(next).inserted else {
                throw .invalidResponse("available_agents: the cursor \(next) came back; the listing would not end")
            }
            cursor = next
        }
        return agents
    }

    /// One page of one agent for room `0`: the cheapest call that shows whether the API takes the credentials
    /// and answers. Throws what the call throws (a refusal of the room, such as 400 or 404, is not a fault of
    /// the credentials).
    public func probe() async throws(QiscusError) {
        _ = try await send(HTTPClientRequest(
            method: "GET", url: configuration.baseURL + "/api/v2/admin/service/available_agents",
            query: [("room_id", "0"), ("limit", "1"), ("is_available_in_room", "true")], headers: authHeaders))
    }

    /// Assigns the agent with `max_agent=1`, so a room that already has an agent is not given a second one.
    public func assign(room: String, agent: Int) async throws(QiscusError) -> AssignOutcome {
        let request = HTTPClientRequest(
            method: "POST", url: configuration.baseURL + "/api/v1/admin/service/assign_agent", headers: authHeaders,
            body: .form([("room_id", room), ("agent_id", String(agent)), ("max_agent", "1")]))
        do {
            _ = try await send(request)
            return .assigned
        } catch .rejected(let status, let message) where status == 400 && message.lowercased().contains("exceed max agents") {
            return .alreadyAssigned
        }
    }

    /// Sends a request; non-2xx statuses and transport failures become `QiscusError`s. Every request counts in
    /// `caa_qiscus_calls_total{app,call}`, by the last part of its path (`available_agents`, `by_division`,
    /// `assign_agent`, `divisions`).
    func send(_ request: HTTPClientRequest) async throws(QiscusError) -> HTTPClientResponse {
        Counter(label: "caa_qiscus_calls_total", dimensions: [("app", configuration.appID), ("call", String(request.url.split(separator: "/").last ?? ""))])
            .increment()
        let response: HTTPClientResponse
        do {
            response = try await http.send(request)
        } catch {
            switch error {
            case .timeout(let message): throw .timeout(message)
            case .connectionRefused(let message): throw .unreachable(message)
            case .transport(_, let message): throw .unreachable(message)
            case .invalidRequest(let message): throw .unreachable("invalid request: \(message)")
            case .status(let code, let body): throw .server(status: code, body: body)
            case .cancelled: throw .unreachable("cancelled")
            case .responseTooLarge(let limit): throw .oversized(limit: limit)
            }
        }
        switch response.status {
        case 200..<300: return response
        case 429: throw .rateLimited(retryAfter: response.header("Retry-After").flatMap { Double($0) })
        case 401, 403: throw .unauthorized(status: response.status)
        case 400..<500: throw .rejected(status: response.status, message: Self.errorMessage(response.body))
        default: throw .server(status: response.status, body: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
    }

    /// The `errors` or `message` text of a Qiscus error body, else the body itself.
    static func errorMessage(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            for key in ["errors", "message", "error"] {
                if let text = object[key] as? String { return text }
                if let nested = object[key] { return String(describing: nested) }
            }
        }
        return String(decoding: body.prefix(300), as: UTF8.self)
    }
}
