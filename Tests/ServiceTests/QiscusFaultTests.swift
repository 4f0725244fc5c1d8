import ChildProcess
import Foundation
import HTTPClient
import QiscusSimulator
import Testing
import TestSupport

/// Qiscus API faults from the simulator. Faults about a room: bounded retries, then the dead list with the
/// reason, visible in `/v1/status`, `/metrics` and the logs; `allocator requeue-dead` brings such rooms back.
/// Faults about the service (rejected credentials, an API that does not answer): allocation pauses, rooms keep
/// their place, and allocation resumes by itself once Qiscus answers.
@Suite struct QiscusFaultTests {
    /// The dead rooms of `/v1/status`: room -> reason.
    static func deadRooms(_ harness: ServiceHarness, instance: Int = 0) throws -> [String: String] {
        struct Body: Decodable {
            struct Dead: Decodable {
                let room_id: String
                let reason: String
            }
            let dead: [Dead]
        }
        let body = try JSONDecoder().decode(Body.self, from: harness.get(harness.instanceURLs[instance] + "/v1/status").body)
        return Dictionary(uniqueKeysWithValues: body.dead.map { ($0.room_id, $0.reason) })
    }

    static func allocate(_ harness: ServiceHarness, _ room: String, instance: Int = 0) throws {
        let response = try harness.post(harness.instanceURLs[instance] + "/webhooks/allocate",
                                        json: harness.customerMessage(room: room))
        #expect(response.status == 200)
    }

    /// `allocation` of `/v1/status`: state and reason.
    static func allocation(_ harness: ServiceHarness, instance: Int = 0) throws -> (state: String, reason: String?, queued: Int) {
        struct Body: Decodable {
            struct Allocation: Decodable {
                let state: String
                let reason: String?
            }
            let allocation: Allocation
            let queue_length: Int
        }
        let body = try JSONDecoder().decode(Body.self, from: harness.get(harness.instanceURLs[instance] + "/v1/status").body)
        return (body.allocation.state, body.allocation.reason, body.queue_length)
    }

    static func metrics(_ harness: ServiceHarness, instance: Int = 0) throws -> String {
        try harness.get(harness.instanceURLs[instance] + "/metrics").text
    }

    @Test func serverErrorsEndInTheDeadListAndRequeueDeadBringsTheRoomBack() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2, simulatorArguments: ["--server-error-rate", "1"],
                                             environment: ["QISCUS_MAX_ATTEMPTS": "2"])
            defer { harness.stop() }
            try Self.allocate(harness, "41")
            #expect(try eventually(within: 10) { try Self.deadRooms(harness)["41"] != nil })
            let reason = try #require(try Self.deadRooms(harness)["41"])
            #expect(reason.contains("available_agents") && reason.contains("HTTP 500"), "\(reason)")
            #expect(try Self.metrics(harness).contains(#"caa_allocations_total{app="sim-app",outcome="dead"} 1"#))
            #expect(try Self.metrics(harness).contains(#"caa_qiscus_errors_total{app="sim-app",call="available_agents",kind="server"} 2"#))
            #expect(harness.log("instance-0").contains("dead list") && harness.log("instance-0").contains("room=41"))

            _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"server_error_rate":0.0}"#.utf8))
            let output = harness.directory.appendingPathComponent("requeue-dead.log")
            var environment = ProcessInfo.processInfo.environment
            environment["REDIS_URL"] = "redis://127.0.0.1:\(harness.redis.port)/0"
            environment["QISCUS_APP_ID"] = "sim-app"
            let command = try ChildProcess(try ServiceHarness.allocatorBinary(), ["requeue-dead"], environment: environment,
                                           output: output)
            #expect(command.wait(timeout: 10) == 0)
            #expect(try String(contentsOf: output, encoding: .utf8).contains("1 room(s) requeued"))
            #expect(try eventually(within: 10) { try harness.simulatorReport().rooms["41"] != nil }, "served after the requeue")
            #expect(try Self.deadRooms(harness).isEmpty)
        }
    }

    @Test func rateLimitsAreRetriedHonouringRetryAfter() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 10, simulatorArguments: ["--rate-limit-rate", "0.3"],
                                             environment: ["QISCUS_MAX_ATTEMPTS": "12"])
            defer { harness.stop() }
            // 20 rooms make at least 20 API calls (a shared agent view lists once for many rooms): a 0.3 rate of 429s
            // misses every one of them with a chance of 0.7^20, under 0.1%.
            let rooms = (1...20).map { String(4_200 + $0) }
            for room in rooms { try Self.allocate(harness, room) }
            #expect(try eventually(within: 30) { Set(try harness.simulatorReport().rooms.keys).isSuperset(of: rooms) })
            #expect(try Self.deadRooms(harness).isEmpty)
            #expect(try Self.metrics(harness).contains(#"kind="rate_limited""#), "some calls were rate limited")
            #expect(harness.log("instance-0").contains("retry_in_s=1"), "Retry-After: 1 is honoured")
        }
    }

    @Test func responsesSlowerThanTheTimeoutPauseAllocationAndTheRoomWaits() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2, environment: [
                "QISCUS_TIMEOUT_SECONDS": "0.3", "LEASE_SECONDS": "5", "QISCUS_MAX_ATTEMPTS": "2"])
            defer { harness.stop() }
            _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"hang_rate":1.0,"hang_ms":2000}"#.utf8))
            try Self.allocate(harness, "43")
            #expect(try eventually(within: 10) { try Self.allocation(harness).reason?.contains("timeout") == true })
            #expect(try Self.allocation(harness).state == "paused" && Self.deadRooms(harness).isEmpty)
            #expect(try eventually(within: 5) { try Self.allocation(harness).queued == 1 }, "the room waits at its place")
        }
    }

    @Test func wrongCredentialsPauseAllocationAtStartAndNoRoomIsLost() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 0, agents: 2)
            defer { harness.stop() }
            try harness.startInstance(environment: ["QISCUS_SECRET_KEY": "not-the-secret"])
            #expect(try eventually(within: 5) { try Self.allocation(harness).state == "paused" }, "the start-up check")
            try Self.allocate(harness, "44")
            let paused = try Self.allocation(harness)
            #expect(paused.reason?.contains("401") == true, "\(String(describing: paused.reason))")
            #expect(try harness.get(harness.instanceURLs[0] + "/readyz").status == 200, "webhooks are still taken")
            Thread.sleep(forTimeInterval: 0.5)
            #expect(try Self.deadRooms(harness).isEmpty && Self.allocation(harness).queued == 1, "queued, not dead")
            #expect(harness.log("instance-0").contains("does not take the configured credentials"))
            #expect(!harness.log("instance-0").contains("not-the-secret"), "the secret is never logged")
        }
    }

    @Test func anUnreachableAPIPausesAllocationAndTheRoomWaits() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 0, agents: 2)
            defer { harness.stop() }
            try harness.startInstance(environment: ["QISCUS_BASE_URL": "http://127.0.0.1:\(try RedisServerProcess.freePort())",
                                                    "QISCUS_MAX_ATTEMPTS": "2"])
            try Self.allocate(harness, "45")
            #expect(try eventually(within: 10) { try Self.allocation(harness).reason?.contains("unreachable") == true })
            #expect(try Self.deadRooms(harness).isEmpty && Self.allocation(harness).queued == 1)
        }
    }

    /// A key rotated in the Qiscus dashboard under load: no room reaches the dead list, `/v1/status` says why
    /// allocation is paused, and once Qiscus takes the key again every room is served in its order.
    @Test func rejectedCredentialsForAWhileLoseNoRoomAndRoomsAreServedInOrderAfter() async throws {
        try await onThread {
            // One allocation at a time, so the order of the assign calls is the order of the claims.
            let harness = try ServiceHarness(instances: 1, agents: 10, environment: ["QISCUS_MAX_ATTEMPTS": "3",
                                                                                    "WORKER_CONCURRENCY": "1"])
            defer { harness.stop() }
            try Self.allocate(harness, "5000")
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["5000"] != nil })
            _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"secret_key":"rotated"}"#.utf8))
            let rooms = (1...12).map { String(5_000 + $0) }
            for room in rooms { try Self.allocate(harness, room) }
            #expect(try eventually(within: 10) { try Self.allocation(harness).state == "paused" })
            #expect(try Self.allocation(harness).reason?.contains("401") == true)
            #expect(try eventually(within: 5) { try Self.allocation(harness).queued == rooms.count }, "every room waits")
            #expect(try Self.deadRooms(harness).isEmpty, "none reaches the dead list")
            #expect(try Self.metrics(harness).contains(#"caa_allocation_paused{app="sim-app"} 1"#))

            _ = try harness.post(harness.simulatorURL + "/sim/faults", json: Data(#"{"secret_key":"sim-secret"}"#.utf8))
            #expect(try eventually(within: 15) { Set(try harness.simulatorReport().rooms.keys).isSuperset(of: rooms) },
                    "resumed by itself")
            #expect(try Self.allocation(harness).state == "running")
            let order = try harness.simulatorReport().assigns.map(\.room).filter { rooms.contains($0) }
            #expect(order == rooms, "served in the order they came")
            #expect(try Self.deadRooms(harness).isEmpty)
        }
    }

    @Test func exceedMaxAgentsMeansTheRoomIsAssignedAlready() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2)
            defer { harness.stop() }
            // Someone (an admin, another tool) gave the room an agent before us.
            let assign = HTTPClientRequest(method: "POST", url: harness.simulatorURL + "/api/v1/admin/service/assign_agent",
                                           headers: [("Qiscus-App-Id", "sim-app"), ("Qiscus-Secret-Key", "sim-secret")],
                                           body: .form([("room_id", "46"), ("agent_id", "150001")]))
            #expect(try HTTPClient().perform(assign).status == 200)
            try Self.allocate(harness, "46")
            let settled = try eventually(within: 10) {
                let status = try JSONDecoder().decode(StatusBody.self, from: harness.get(harness.instanceURLs[0] + "/v1/status").body)
                return status.agents.map(\.load).reduce(0, +) == 1 && status.queue_length == 0 && status.in_flight == 0
            }
            #expect(settled, "committed as assigned, not retried and not dead")
            #expect(try Self.deadRooms(harness).isEmpty)
            #expect(try harness.simulatorReport().rooms["46"] == 150001, "the room keeps the agent it had")
        }
    }
}
