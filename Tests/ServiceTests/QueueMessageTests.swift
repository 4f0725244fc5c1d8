import Foundation
import HTTPClient
import QiscusSimulator
import Testing
import TestSupport

/// The "place in line" messages end to end: `allocator serve` instances with `QUEUE_MESSAGE` set, against
/// `allocator simulate`, which records every bot message.
@Suite(.serialized) struct QueueMessageTests {
    static let template = "You are number {position} in line[; expected wait about {wait}]."

    /// One agent who holds one room at a time, so every later room waits; `environment` on top.
    static func harness(instances: Int = 1, simulatorArguments: [String] = [],
                        _ environment: [String: String] = [:]) throws -> ServiceHarness {
        try ServiceHarness(instances: instances, agents: 1, simulatorArguments: simulatorArguments,
                           environment: ["MAX_CUSTOMERS_PER_AGENT": "1", "QUEUE_MESSAGE": template]
                               .merging(environment) { $1 })
    }

    /// The messages of each room, in order.
    static func messages(_ harness: ServiceHarness) throws -> [String: [BotMessageRecord]] {
        Dictionary(grouping: try harness.simulatorMessages(), by: \.room)
    }

    /// Sends a customer message of `room` (`copies` times, as Qiscus repeats webhooks).
    static func write(_ harness: ServiceHarness, _ room: String, copies: Int = 1, instance: Int = 0) throws {
        let body = try harness.customerMessage(room: room)
        for copy in 0..<copies {
            let url = harness.instanceURLs[(instance + copy) % harness.instanceURLs.count] + "/webhooks/allocate"
            #expect(try harness.post(url, json: body).status == 200)
        }
    }

    /// Resolves `room` and waits until `next` holds the agent.
    static func resolve(_ harness: ServiceHarness, _ room: String, thenAssigned next: String) throws {
        #expect(try harness.resolve(room: room) == "released")
        #expect(try eventually(within: 5) { try harness.simulatorReport().rooms[next] != nil }, "\(next) is assigned")
    }

    @Test func aWaitingRoomGetsOneMessagePerSessionAndARoomServedAtOnceNone() async throws {
        try await onThread {
            let harness = try Self.harness(["ALLOCATOR_QUEUE_MESSAGE_SPACING_MS": "2000"])
            defer { harness.stop() }
            try Self.write(harness, "1001", copies: 2)
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["1001"] != nil })
            try Self.write(harness, "1002", copies: 2)
            Thread.sleep(forTimeInterval: 1.5)
            try Self.write(harness, "1002", copies: 2) // the customer writes again in the same session
            #expect(try eventually(within: 5) { try Self.messages(harness)["1002"]?.count == 1 })
            Thread.sleep(forTimeInterval: 3) // more scans, past the spacing: still one
            var messages = try Self.messages(harness)
            #expect(messages["1002"]?.count == 1 && messages["1001"] == nil, "\(messages)")
            let text = try #require(messages["1002"]?.first?.text)
            // One room served in the last ten minutes: a rate, so the wait is there.
            #expect(text.hasPrefix("You are number 1 in line; expected wait about ") && text.hasSuffix(" min."), "\(text)")

            // 1002 is served; 1003 waits; 1002's customer comes back after a resolve: a new session, a new message.
            try Self.resolve(harness, "1001", thenAssigned: "1002")
            try Self.write(harness, "1003")
            #expect(try eventually(within: 5) { try Self.messages(harness)["1003"]?.count == 1 }, "1003 waited")
            try Self.resolve(harness, "1002", thenAssigned: "1003")
            try Self.write(harness, "1002", copies: 3)
            #expect(try eventually(within: 6) { try Self.messages(harness)["1002"]?.count == 2 })
            Thread.sleep(forTimeInterval: 2.5)
            messages = try Self.messages(harness)
            #expect(messages["1002"]?.count == 2 && messages["1003"]?.count == 1 && messages["1001"] == nil, "\(messages)")
            #expect(harness.log("instance-0").contains("queue messages on"))
        }
    }

    @Test func anotherMessageOnceThePositionImprovedByTheStepAndNotWithinTheSpacing() async throws {
        try await onThread {
            let harness = try Self.harness(["QUEUE_MESSAGE_STEP": "2", "ALLOCATOR_QUEUE_MESSAGE_SPACING_MS": "4000"])
            defer { harness.stop() }
            try Self.write(harness, "2001")
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["2001"] != nil })
            let waiting = ["2002", "2003", "2004", "2005", "2006"]
            for room in waiting { try Self.write(harness, room) }
            #expect(try eventually(within: 6) { try Self.messages(harness).count == 5 })
            let first = try Self.messages(harness)
            for (index, room) in waiting.enumerated() {
                #expect(first[room]?.first?.text.hasPrefix("You are number \(index + 1) in line") == true, "\(first[room] ?? [])")
            }

            try Self.resolve(harness, "2001", thenAssigned: "2002") // everyone moves up 1: less than the step
            Thread.sleep(forTimeInterval: 1.5)
            #expect(try Self.messages(harness).values.allSatisfy { $0.count == 1 }, "moved up 1 < step 2")
            try Self.resolve(harness, "2002", thenAssigned: "2003") // moved up 2 now, within the 4 s spacing
            #expect(try eventually(within: 8) { try Self.messages(harness)["2006"]?.count == 2 })
            let second = try Self.messages(harness)
            for (room, place) in [("2004", 1), ("2005", 2), ("2006", 3)] {
                let messages = try #require(second[room])
                #expect(messages.count == 2 && messages[1].text.hasPrefix("You are number \(place) in line"), "\(messages)")
                #expect(messages[1].at - messages[0].at >= 3.9, "the spacing holds: \(messages[1].at - messages[0].at) s")
            }
        }
    }

    @Test func theAppsCapPerSecondHoldsOverTwoInstancesAndEachRoomIsMessagedOnce() async throws {
        try await onThread {
            let harness = try Self.harness(instances: 2, ["QUEUE_MESSAGE_MAX_PER_SECOND": "2"])
            defer { harness.stop() }
            try Self.write(harness, "3000")
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["3000"] != nil })
            let rooms = (1...14).map { String(3000 + $0) }
            for (index, room) in rooms.enumerated() { try Self.write(harness, room, copies: 2, instance: index % 2) }
            #expect(try eventually(within: 20) { try harness.simulatorMessages().count == 14 })
            Thread.sleep(forTimeInterval: 1.5)
            let messages = try harness.simulatorMessages()
            #expect(Dictionary(grouping: messages, by: \.room).mapValues(\.count) == Dictionary(uniqueKeysWithValues: rooms.map { ($0, 1) }),
                    "each room once, whichever instance saw it")
            // 2 a second by the Redis clock; a message claimed just before a second ends may arrive just after it.
            let perSecond = Dictionary(grouping: messages) { Int($0.at) }.mapValues(\.count)
            #expect(perSecond.values.allSatisfy { $0 <= 3 }, "\(perSecond.sorted { $0.key < $1.key })")
            let span = (messages.map(\.at).max() ?? 0) - (messages.map(\.at).min() ?? 0)
            // 7 Redis seconds at least; the two instances scan a second apart at most, so over 5 s apart in any case.
            #expect(span >= 4.9, "14 messages at 2 a second take 7 Redis seconds: \(span) s")
            let sent = try (0..<2).map { instance in
                try Self.metric(harness, instance: instance, "caa_queue_messages_total{app=\"sim-app\",result=\"sent\"}")
            }
            #expect(sent.reduce(0, +) == 14, "sent per instance: \(sent)")
        }
    }

    @Test(arguments: ["hang", "error"])
    func aFailingOrHangingBotEndpointDoesNotDelayAllocation(fault: String) async throws {
        try await onThread {
            let harness = try Self.harness(simulatorArguments: ["--bot-fault", fault, "--hang-ms", "30000"],
                                           ["QISCUS_TIMEOUT_SECONDS": "3", "QUEUE_MESSAGE_STEP": "1",
                                            "ALLOCATOR_QUEUE_MESSAGE_SPACING_MS": "0", "SHUTDOWN_DRAIN_SECONDS": "0"])
            defer { harness.stop() }
            try Self.write(harness, "4000")
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["4000"] != nil })
            let rooms = (1...40).map { String(4000 + $0) }
            for room in rooms { try Self.write(harness, room) }
            Thread.sleep(forTimeInterval: 2.5) // every send hangs or fails by now
            var holder = "4000"
            for room in rooms.prefix(4) {
                let started = Date()
                try Self.resolve(harness, holder, thenAssigned: room)
                let took = Date().timeIntervalSince(started)
                #expect(took < 1.5, "\(room) assigned \(took) s after the resolve while the bot endpoint fails (\(fault))")
                holder = room
            }
            #expect(try harness.simulatorMessages().isEmpty)
            if fault == "error" {
                #expect(try Self.metric(harness, "caa_queue_messages_total{app=\"sim-app\",result=\"failed\"}") >= 10)
            }
            #expect(try Self.metric(harness, "caa_queue_messages_total{app=\"sim-app\",result=\"sent\"}") == 0)
            #expect(harness.log("instance-0").contains("a queue message could not be sent") || fault == "hang")
            // Sends in flight (hanging) do not hold up a graceful shutdown.
            let stopping = Date()
            #expect(harness.instance(0).terminate(grace: 10) == 0)
            #expect(Date().timeIntervalSince(stopping) < 2.5, "stopped in \(Date().timeIntervalSince(stopping)) s")
            #expect(harness.log("instance-0").contains("queue messages stopped"))
        }
    }

    @Test func aBadTemplateStopsStartUpNamingThePlaceholder() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 0, agents: 1)
            defer { harness.stop() }
            let index = try harness.startInstance(environment: ["QUEUE_MESSAGE": "Hi {name}, you are number {position}."],
                                                  waitUntilReady: false)
            #expect(harness.instance(index).wait(timeout: 10) == 78, "EX_CONFIG")
            #expect(harness.log("instance-\(index)").contains(
                "configuration error: QUEUE_MESSAGE has an unknown placeholder {name} (known: {position}, {wait})"),
                "\(harness.log("instance-\(index)"))")
        }
    }

    /// The value of a line of an instance's `/metrics` (0 when absent).
    static func metric(_ harness: ServiceHarness, instance: Int = 0, _ name: String) throws -> Double {
        let text = try harness.get(harness.instanceURLs[instance] + "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "") ?? 0
        }
        return 0
    }
}
