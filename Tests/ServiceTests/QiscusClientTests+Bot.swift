import Foundation
import HTTPClient
import HTTPServer
import Qiscus
import QiscusSimulator
import Testing
import TestSupport

/// `QiscusClient.sendBotMessage`: the queue messages' call, against a scripted API and the simulator.
extension QiscusClientTests {
    @Test func aBotMessageIsPostedAsTheAppsAdminWithTheAdminHeaders() async throws {
        let api = try ScriptedAPI([
            ServerResponse(status: 200, headers: [("Content-Type", "application/json")],
                           body: try QiscusPayloadTests.fixture("bot-message-ok")),
            .text(#"{"status":500,"errors":"boom"}"#, status: 500),
        ])
        defer { inBackground { api.server.stop() } }
        let client = api.client()
        try await client.sendBotMessage(room: "57491777", text: "You are number 3 in line \"soon\".")
        #expect(await Self.failure { try await client.sendBotMessage(room: "57491777", text: "x") }
                == .server(status: 500, body: #"{"status":500,"errors":"boom"}"#))

        let request = try #require(api.requests.first)
        #expect(request.method == "POST" && request.path == "/app-1/bot")
        #expect(request.header("Qiscus-App-Id") == "app-1" && request.header("Qiscus-Secret-Key") == "key-1")
        #expect(request.header("Content-Type") == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: String])
        #expect(body == ["sender_email": "app-1_admin@qismo.com", "message": "You are number 3 in line \"soon\".",
                         "type": "text", "room_id": "57491777"])
    }

    @Test func theSimulatorRecordsBotMessagesChecksHeadersAndFailsOnRequest() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try await fixture.client().sendBotMessage(room: "42", text: "You are number 1 in line.")
        let messages = fixture.simulator.botMessages()
        #expect(messages.map(\.room) == ["42"] && messages.map(\.text) == ["You are number 1 in line."])
        #expect(abs(messages[0].at - Date().timeIntervalSince1970) < 60)
        #expect(await Self.failure { try await fixture.client(secretKey: "wrong").sendBotMessage(room: "42", text: "x") }
                == .unauthorized(status: 401))

        try fixture.control("/sim/faults", #"{"bot_fault":"error"}"#)
        #expect(await Self.failure { try await fixture.client().sendBotMessage(room: "42", text: "x") }?.kind == "server")
        try fixture.control("/sim/faults", #"{"bot_fault":"hang","hang_ms":1500}"#)
        #expect(await Self.failure { try await fixture.client(timeout: 0.3).sendBotMessage(room: "42", text: "x") }?.kind
                == "timeout")
        try fixture.control("/sim/faults", #"{"bot_fault":"none"}"#)
        try await fixture.client().sendBotMessage(room: "43", text: "Second")

        // Over the control API: the list, the counters and the report.
        let listed = try JSONDecoder().decode([String: [BotMessageRecord]].self, from: HTTPClient()
            .perform(HTTPClientRequest(url: fixture.baseURL + "/sim/messages")).body)
        #expect(listed["messages"]?.map(\.room) == ["42", "43"])
        let stats = fixture.simulator.stats()
        #expect(stats.messageCount == 2 && stats.botCalls == 5)
        #expect(fixture.simulator.report().messages.map(\.text) == ["You are number 1 in line.", "Second"])
    }
}
