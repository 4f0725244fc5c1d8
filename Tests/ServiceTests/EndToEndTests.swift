import Foundation
import HTTPClient
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

/// Real processes over loopback: redis-server, `allocator simulate` and `allocator serve` instances.
@Suite(.serialized) struct EndToEndTests {
    /// The body's `status` field.
    static func status(of response: HTTPClientResponse) -> String? {
        (try? JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["status"] as? String
    }


    @Test func twoInstancesServeEveryRoomOncePerSessionAndNeverOverfillAnAgent() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 2, agents: 20, simulatorArguments: ["--count-lag-ms", "2000"],
                                             environment: ["RECONCILE_SECONDS": "2"])
            defer { harness.stop() }
            let rooms = (1...300).map { String(5_000_000 + $0) }
            let stopResolving = Atomic<Bool>(false)
            let resolved = Mutex<[String]>([])
            let failures = Mutex<[String]>([])

            // Resolutions at random moments, each webhook to a random instance.
            let resolver = Thread {
                let client = HTTPClient()
                while !stopResolving.load(ordering: .relaxed) {
                    do {
                        let assigned = try harness.simulatorReport(client: client).rooms.keys.shuffled().prefix(3)
                        for room in assigned {
                            guard let body = try harness.resolveInSimulator(room: room, client: client) else { continue }
                            let url = harness.instanceURLs.randomElement()! + "/webhooks/resolve"
                            let response = try harness.post(url, json: body, client: client)
                            if response.status != 200 { failures.withLock { $0.append("resolve \(room): \(response.status)") } }
                            resolved.withLock { $0.append(room) }
                        }
                    } catch { failures.withLock { $0.append("resolver: \(error)") } }
                    Thread.sleep(forTimeInterval: Double.random(in: 0.005...0.03))
                }
            }
            resolver.start()

            // Every webhook two or three times, alternating between the instances, from three senders.
            onThreads(3) { sender in
                let client = HTTPClient()
                for (index, room) in rooms.enumerated() where index % 3 == sender {
                    do {
                        let body = try harness.customerMessage(room: room, client: client)
                        for copy in 0..<(2 + index % 2) {
                            let url = harness.instanceURLs[(index + copy) % 2] + "/webhooks/allocate"
                            let response = try harness.post(url, json: body, client: client)
                            let status = Self.status(of: response)
                            if response.status != 200 || !["queued", "duplicate", "assigned"].contains(status ?? "") {
                                failures.withLock { $0.append("allocate \(room): \(response.status) \(response.text)") }
                            }
                        }
                    } catch { failures.withLock { $0.append("sender: \(error)") } }
                }
            }

            let everyRoomServed = try eventually(within: 60) {
                Set(try harness.simulatorReport().assigns.map(\.room)).isSuperset(of: rooms)
            }
            stopResolving.store(true, ordering: .relaxed)
            while !resolver.isFinished { Thread.sleep(forTimeInterval: 0.01) }
            #expect(everyRoomServed, "every room is served once capacity exists")

            // Agents finish every open conversation, so capacity exists for the returning customers.
            for room in try harness.simulatorReport().rooms.keys {
                if let body = try harness.resolveInSimulator(room: room) {
                    #expect(try harness.post(harness.instanceURLs[1] + "/webhooks/resolve", json: body).status == 200)
                }
            }

            // Returning customers: the same room ids, a new session after the resolve.
            let returning = Array(Set(resolved.withLock { $0 }).prefix(10))
            #expect(returning.count == 10)
            let before = try harness.simulatorReport()
            for room in returning {
                let body = try harness.customerMessage(room: room)
                for url in harness.instanceURLs {
                    let response = try harness.post(url + "/webhooks/allocate", json: body)
                    #expect(response.status == 200, "\(response.text)")
                }
            }
            let returningServed = try eventually(within: 20) {
                let report = try harness.simulatorReport()
                return returning.allSatisfy { room in
                    report.assigns.filter { $0.room == room }.count > before.assigns.filter { $0.room == room }.count
                }
            }
            #expect(returningServed, "a returning customer is served again")

            let report = try harness.simulatorReport()
            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
            #expect(report.conflicts == 0, "no assign call ever tried to give an assigned room a second agent")
            #expect(report.maxLoads.values.allSatisfy { $0 <= 2 }, "max loads: \(report.maxLoads)")
            #expect(report.assigns.allSatisfy { $0.loadAfter <= 2 })
            let perSession = Dictionary(grouping: report.assigns) { "\($0.room)/\($0.service)" }
            #expect(perSession.values.allSatisfy { $0.count == 1 }, "each room is assigned once per session")

            // Our loads agree with the simulator's truth once everything settled.
            let agreed = try eventually(within: 10) {
                let status = try JSONDecoder().decode(StatusBody.self, from: harness.get(harness.instanceURLs[0] + "/v1/status").body)
                let ours = Dictionary(uniqueKeysWithValues: status.agents.map { (String($0.id), $0.load) })
                return ours == (try harness.simulatorReport().loads) && status.queue_length == 0 && status.in_flight == 0
            }
            #expect(agreed, "agent loads equal the simulator's")
        }
    }

    @Test func aResolvedSlotServesTheNextRoomAtOnceThoughQiscusCountsLag() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 1, simulatorArguments: ["--count-lag-ms", "3000"],
                                             environment: ["QISCUS_COUNT_LAG_SECONDS": "5"])
            defer { harness.stop() }
            let url = harness.instanceURLs[0] + "/webhooks/allocate"
            for room in ["901", "902"] { _ = try harness.post(url, json: harness.customerMessage(room: room)) }
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms.count == 2 })
            Thread.sleep(forTimeInterval: 3.2) // Qiscus now counts both rooms
            _ = try harness.post(url, json: harness.customerMessage(room: "903"))
            let body = try #require(try harness.resolveInSimulator(room: "901"))
            let resolvedAt = Date()
            _ = try harness.post(harness.instanceURLs[0] + "/webhooks/resolve", json: body)
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["903"] != nil })
            let waited = Date().timeIntervalSince(resolvedAt)
            #expect(waited < 1.5, "served \(waited) s after the resolve, before Qiscus's count (3 s behind) caught up")
            #expect(try harness.simulatorReport().maxLoads.values.allSatisfy { $0 <= 2 })
        }
    }

    @Test func oneInstanceServesWaitingRoomsInOrderOfArrival() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 2, environment: ["WORKER_CONCURRENCY": "4"])
            defer { harness.stop() }
            let url = harness.instanceURLs[0] + "/webhooks/allocate"
            let first = (1...4).map { String(700 + $0) }
            for room in first { _ = try harness.post(url, json: harness.customerMessage(room: room)) }
            #expect(try eventually(within: 10) { try harness.simulatorReport().assigns.count == 4 }, "4 slots fill")

            let waiting = (1...8).map { String(800 + $0) }
            for room in waiting {
                let response = try harness.post(url, json: harness.customerMessage(room: room))
                #expect(Self.status(of: response) == "queued")
            }
            var order: [String] = []
            var holders = first
            for _ in waiting {
                let room = holders.removeFirst()
                let body = try #require(try harness.resolveInSimulator(room: room))
                _ = try harness.post(harness.instanceURLs[0] + "/webhooks/resolve", json: body)
                let count = order.count + 5
                #expect(try eventually(within: 10) { try harness.simulatorReport().assigns.count == count })
                let latest = try #require(try harness.simulatorReport().assigns.last)
                order.append(latest.room)
                holders.append(latest.room)
            }
            #expect(order == waiting, "freed slots go to the head of the queue, in order of arrival")
            #expect(harness.instance(0).terminate(grace: 10) == 0, "SIGTERM stops the instance cleanly")
            #expect(harness.log("instance-0").contains("stopped"))
        }
    }
}

/// The parts of `/v1/status` the tests read.
struct StatusBody: Decodable {
    struct Agent: Decodable {
        let id: Int
        let load: Int
    }

    let queue_length: Int
    let in_flight: Int
    let agents: [Agent]
}
