import HTTPServer
import Qiscus
import Testing
import TestSupport

/// Cursor pages of available agents that would never end: an error of the listing, not an endless loop.
extension QiscusClientTests {
    /// A page of available agents with one online agent and `after` as the next cursor.
    static func page(agent: Int, after: String?) -> ServerResponse {
        .text(#"{"status":200,"data":{"agents":[{"id":\#(agent),"is_available":true,"current_customer_count":0}]},"#
              + #""meta":{"after":\#(after.map { "\"\($0)\"" } ?? "null"),"per_page":1}}"#)
    }

    @Test func aCursorThatComesBackIsAnInvalidResponseAfterTwoCalls() async throws {
        let api = try ScriptedAPI([Self.page(agent: 1, after: "QQ=="), Self.page(agent: 2, after: "QQ=="),
                                   Self.page(agent: 3, after: nil)])
        defer { inBackground { api.server.stop() } }
        let error = await Self.failure { try await api.client().onlineAgents(room: "1") }
        guard case .invalidResponse(let message) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("came back"), "\(message)")
        #expect(api.requests.count == 2, "the repeated cursor is not followed")
        #expect(api.requests.map { $0.query["cursor_after"] } == [nil, "QQ=="])
    }

    @Test func aCursorCycleIsCaughtWhereverItCloses() async throws {
        let pages = [Self.page(agent: 1, after: "QQ=="), Self.page(agent: 2, after: "Qg=="),
                     Self.page(agent: 3, after: "Qw=="), Self.page(agent: 4, after: "Qg==")]
        let api = try ScriptedAPI(pages + pages)
        defer { inBackground { api.server.stop() } }
        let client = Self.client(.init(baseURL: api.baseURL, appID: "app-1", secretKey: "key-1", timeout: 2,
                                       pageSize: 1, maxPages: 1_000), keptIn: api.clients)
        let error = await Self.failure { try await client.onlineAgents(room: "1") }
        guard case .invalidResponse(let message) = error else {
            Issue.record("expected invalidResponse, got \(String(describing: error))")
            return
        }
        #expect(message.contains("came back"), "\(message)")
        #expect(api.requests.count == 4, "B, C, B: stopped at the fourth page, far below maxPages")
    }

    @Test func everyPageIsReadUpToMaxPages() async throws {
        let api = try ScriptedAPI([Self.page(agent: 1, after: "QQ=="), Self.page(agent: 2, after: "Qg=="),
                                   Self.page(agent: 3, after: nil)])
        defer { inBackground { api.server.stop() } }
        let agents = try await api.client().onlineAgents(room: "1")
        #expect(agents.map(\.id) == [1, 2, 3], "three pages, the most the scripted client follows")
        #expect(api.requests.count == 3)
    }
}
