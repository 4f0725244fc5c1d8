import Foundation
import Qiscus
import Testing

/// The webhook and agent payloads, decoded from fixtures in Qiscus's own shapes.
@Suite struct QiscusPayloadTests {
    /// The bytes of `Fixtures/qiscus/<name>.json`.
    static func fixture(_ name: String) throws -> Data {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return try Data(contentsOf: directory.appendingPathComponent("qiscus/\(name).json"))
    }

    /// A JSON object with `room_id` set to `roomValue` (already JSON: `"\"1\""`, `1`, ...).
    static func body(roomValue: String, wrappedInService: Bool) -> Data {
        wrappedInService
            ? Data(#"{"customer":{"user_id":"u"},"service":{"id":5,"is_resolved":true,"room_id":\#(roomValue)}}"#.utf8)
            : Data(#"{"app_id":"a","latest_service":null,"room_id":\#(roomValue)}"#.utf8)
    }

    // MARK: - Allocation webhook

    @Test func newSessionWebhookDecodesWithSessionKeyZero() throws {
        let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-new"))
        #expect(webhook.roomID == "57491250")
        #expect(webhook.appID == "demo-app-code")
        #expect(webhook.isNewSession == true)
        #expect(webhook.latestService == nil)
        #expect(webhook.sessionKey == "0")
    }

    @Test func returningWebhookUsesTheLatestServiceIDAsSessionKey() throws {
        let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-returning"))
        #expect(webhook.roomID == "57491250")
        #expect(webhook.latestService?.id == 88_123_401)
        #expect(webhook.latestService?.isResolved == true)
        #expect(webhook.sessionKey == "88123401")
    }

    @Test func sessionKeyIsZeroWithoutAPositiveServiceID() throws {
        for latest in [#"null"#, #"{"is_resolved":true}"#, #"{"id":0}"#, #"{"id":-4}"#, #"{"id":"not a number"}"#] {
            let json = #"{"room_id":"42","latest_service":\#(latest)}"#
            let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Data(json.utf8))
            #expect(webhook.roomID == "42")
            #expect(webhook.sessionKey == "0", "latest_service: \(latest)")
        }
    }

    @Test func unknownFieldsAreIgnored() throws {
        let json = #"""
        {"room_id":"123","brand_new_field":{"nested":[1,2,{"x":null}]},"channel":{"id":9,"name":"WA","source":"wa"},
         "extras":"{\"a\":1}","candidate_agent":{"id":"weird"},"is_new_session":"not a bool",
         "latest_service":{"id":77,"room_id":"123","surprise":true}}
        """#
        let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Data(json.utf8))
        #expect(webhook.roomID == "123")
        #expect(webhook.isNewSession == nil, "a mistyped optional field is dropped, not fatal")
        #expect(webhook.sessionKey == "77")
        let resolve = try JSONDecoder().decode(ResolveWebhook.self, from: Data(
            #"{"service":{"id":9,"room_id":"123","unknown":[1]},"resolved_by":{"type":"robot"},"more":1}"#.utf8))
        #expect(resolve.roomID == "123")
        #expect(resolve.sessionFloor == "9")
    }

    @Test func channelWebhookCarriesSourceAndChannel() throws {
        let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-channel"))
        #expect(webhook.roomID == "57491777")
        #expect(webhook.source == "wa")
        #expect(webhook.channel == Channel(id: 12, name: "WhatsApp Sales", source: "wa"))
        #expect(webhook.channelID == 12)
        #expect(webhook.sessionKey == "0")
        let returning = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-returning"))
        #expect(returning.source == "qiscus" && returning.channelID == 1203)
        let older = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-new"))
        #expect(older.source == "wa" && older.channel == nil && older.channelID == nil, "older apps send no channel")
    }

    @Test func aMalformedChannelIsNilAndNeverRefusesTheWebhook() throws {
        let cases: [(String, Channel?)] = [
            (#""wa""#, nil), (#"12"#, nil), (#"[12]"#, nil), (#"null"#, nil),
            (#"{}"#, Channel(id: nil)),
            (#"{"id":"abc","name":7,"source":"ig"}"#, Channel(id: nil, source: "ig")),
            (#"{"id":"12","name":"WA"}"#, Channel(id: 12, name: "WA")),
            (#"{"id":12.5,"name":"WA","source":"wa"}"#, Channel(id: nil, name: "WA", source: "wa")),
        ]
        for (channel, expected) in cases {
            let json = #"{"room_id":"42","source":"wa","channel":\#(channel)}"#
            let webhook = try JSONDecoder().decode(AllocationWebhook.self, from: Data(json.utf8))
            #expect(webhook.channel == expected, "channel: \(channel)")
            #expect(webhook.source == "wa")
        }
        let mistyped = try JSONDecoder().decode(AllocationWebhook.self, from: Data(#"{"room_id":"42","source":5}"#.utf8))
        #expect(mistyped.source == nil && mistyped.channel == nil)
    }

    static let refusedRoomIDs: [String] = [
        "57491250", // a JSON number, not a string
        #""""#, // empty
        #""-5""#, // negative
        #""12a4""#, // letters
        #""abc""#,
        #""\#(String(repeating: "1", count: 33))""#, // 33 digits
        #""1\r\nFLUSHALL""#, // a Redis protocol injection attempt
        #""*""#, // a glob
        #""{x}""#, // a hash tag
        #"" 12""#, // padding
        #""1.5""#,
        #""\u0661\u0662""#, // Arabic-Indic digits are digits, but not ASCII ones
        "null",
        "true",
        #"["1"]"#,
    ]

    @Test(arguments: refusedRoomIDs)
    func invalidRoomIDsAreRefusedByBothWebhooks(roomValue: String) {
        #expect(throws: DecodingError.self, "allocate room_id \(roomValue)") {
            try JSONDecoder().decode(AllocationWebhook.self, from: Self.body(roomValue: roomValue, wrappedInService: false))
        }
        #expect(throws: DecodingError.self, "resolve room_id \(roomValue)") {
            try JSONDecoder().decode(ResolveWebhook.self, from: Self.body(roomValue: roomValue, wrappedInService: true))
        }
    }

    @Test func missingRoomIDIsRefused() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(AllocationWebhook.self, from: Data(#"{"app_id":"a"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ResolveWebhook.self, from: Data(#"{"service":{"id":1}}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ResolveWebhook.self, from: Data(#"{"customer":{}}"#.utf8))
        }
    }

    @Test func roomIDsOfOneTo32DigitsAreAccepted() throws {
        for room in ["0", "7", "57491250", String(repeating: "9", count: 32)] {
            let webhook = try JSONDecoder().decode(AllocationWebhook.self,
                                                   from: Self.body(roomValue: "\"\(room)\"", wrappedInService: false))
            #expect(webhook.roomID == room)
            let resolve = try JSONDecoder().decode(ResolveWebhook.self,
                                                   from: Self.body(roomValue: "\"\(room)\"", wrappedInService: true))
            #expect(resolve.roomID == room)
        }
    }

    // MARK: - Resolve webhook

    @Test func resolveWebhookDecodesRoomAndSessionFloor() throws {
        let webhook = try JSONDecoder().decode(ResolveWebhook.self, from: Self.fixture("resolve-webhook"))
        #expect(webhook.roomID == "57491250")
        #expect(webhook.service.id == 88_123_401)
        #expect(webhook.sessionFloor == "88123401")
        // The returning customer's webhook carries the resolved service as its session key.
        let returning = try JSONDecoder().decode(AllocationWebhook.self, from: Self.fixture("caa-webhook-returning"))
        #expect(returning.sessionKey == webhook.sessionFloor)
    }

    @Test func sessionFloorIsNilWithoutAPositiveServiceID() throws {
        for service in [#"{"room_id":"5"}"#, #"{"id":0,"room_id":"5"}"#, #"{"id":null,"room_id":"5"}"#,
                        #"{"id":"x","room_id":"5"}"#] {
            let webhook = try JSONDecoder().decode(ResolveWebhook.self, from: Data(#"{"service":\#(service)}"#.utf8))
            #expect(webhook.roomID == "5")
            #expect(webhook.sessionFloor == nil, "service: \(service)")
        }
    }

    // MARK: - Agents

    @Test func onlyAvailableAgentsNotForcedOfflineAreOnline() throws {
        let page = try JSONDecoder().decode(AvailableAgentsPage.self, from: Self.fixture("available-agents"))
        let agents = page.data.agents
        try #require(agents.count == 3)
        #expect(agents.map(\.id) == [150_851, 150_852, 150_853])
        #expect(agents.map(\.isOnline) == [true, false, false])
        #expect(agents[1].forceOffline && agents[1].isAvailable, "Sinta is available but forced offline")
        #expect(!agents[2].isAvailable && !agents[2].forceOffline, "Dewi is not available")
        #expect(agents[0].currentCustomerCount == 1)
        #expect(agents[0].name == "Agent Budi")
        #expect(page.meta?.after == "MTUwODUz")
        #expect(page.meta?.perPage == 3)
        #expect(page.meta?.totalCount == 7)
    }

    @Test func agentWithoutAvailabilityIsNotOnline() throws {
        let agent = try JSONDecoder().decode(Agent.self, from: Data(#"{"id":1}"#.utf8))
        #expect(!agent.isOnline)
        #expect(agent.currentCustomerCount == 0)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Agent.self, from: Data(#"{"id":"1"}"#.utf8)) }
    }

    @Test func agentsByDivisionPageDecodesAgentsDivisionsAndMeta() throws {
        let page = try JSONDecoder().decode(AgentsByDivisionPage.self, from: Self.fixture("agents-by-division"))
        #expect(page.data.map(\.id) == [150_851, 150_852])
        #expect(page.data.allSatisfy { $0.isOnline })
        #expect(page.data[0].divisions == [Division(id: 438, name: "Sales")])
        #expect(page.data[1].divisions == [Division(id: 438, name: "Sales"), Division(id: 439, name: "Support")])
        #expect(page.data[0].currentCustomerCount == 1)
        #expect(page.meta == .init(limit: 2, page: 1, total: 3, totalPage: 2))
    }

    @Test func availableAgentsListTheirDivisionsToo() throws {
        let page = try JSONDecoder().decode(AvailableAgentsPage.self, from: Self.fixture("available-agents"))
        #expect(page.data.agents.map(\.divisions) == [[Division(id: 2, name: "Agent")], [], []])
    }

    @Test func badDivisionsOfAnAgentAreDroppedNotFatal() throws {
        let cases: [(String, [Division])] = [
            (#"{"id":1}"#, []),
            (#"{"id":1,"user_roles":null}"#, []),
            (#"{"id":1,"user_roles":"Sales"}"#, []),
            (#"{"id":1,"user_roles":{"id":438}}"#, []),
            (#"{"id":1,"user_roles":[{"id":"438"},{"name":"x"},7,null,{"id":439,"name":5},{"id":440,"name":"Ops"}]}"#,
             [Division(id: 439), Division(id: 440, name: "Ops")]),
        ]
        for (json, expected) in cases {
            let agent = try JSONDecoder().decode(Agent.self, from: Data(json.utf8))
            #expect(agent.id == 1)
            #expect(agent.divisions == expected, "\(json)")
        }
        let division = try JSONDecoder().decode(Division.self, from: Data(#"{"id":438,"name":"Sales","is_default_role":true}"#.utf8))
        #expect(division == Division(id: 438, name: "Sales", isDefaultRole: true))
    }
}
