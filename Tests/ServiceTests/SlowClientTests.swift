import Foundation
import HTTPClient
import Synchronization
import Testing
import TestSupport

/// Slow and flooding clients against `allocator serve` over real processes: thousands of stalled
/// half-requests from one address do not keep another address's webhooks waiting.
@Suite struct SlowClientTests {
    @Test func stalledHalfRequestsFromOneAddressDoNotDelayWebhooksFromAnother() async throws {
        try await onThread {
            let harness = try ServiceHarness(instances: 1, agents: 30)
            defer { harness.stop() }
            let base = harness.instanceURLs[0]
            let port = try #require(URLComponents(string: base)?.port.map { UInt16($0) })

            // 2,000 connections from 127.0.0.2, each with half a request, left open.
            var stalled: [Int32] = []
            defer { stalled.forEach { close($0) } }
            for _ in 0..<2_000 {
                guard let fd = try? LoopbackSocket.connect(port: port, timeout: 1, from: "127.0.0.2") else { continue }
                let half = "POST /webhooks/allocate HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"room_id\""
                _ = half.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                stalled.append(fd)
            }

            // The kernel completed those handshakes; the server accepts (and refuses) them from its backlog in its
            // own time. Once it has caught up, and while the stalled connections stay open, 50 real webhooks from
            // 127.0.0.1: each answered within a second, and assigned.
            let client = HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 2))
            #expect(eventually(within: 10) { (try? harness.get(base + "/healthz", client: client))?.status == 200 })
            var slowest = 0.0
            let rooms = (1...50).map { String(9_100_000 + $0) }
            for room in rooms {
                let body = try harness.customerMessage(room: room)
                let started = Date()
                let response = try harness.post(base + "/webhooks/allocate", json: body, client: client)
                slowest = max(slowest, Date().timeIntervalSince(started))
                #expect(response.status == 200, "\(room): \(response.status)")
            }
            #expect(slowest < 1, "every real webhook answered within 1 s (slowest \(slowest) s)")
            #expect(eventually(within: 10) {
                (try? harness.simulatorReport()).map { Set($0.rooms.keys).isSuperset(of: rooms) } ?? false
            }, "and assigned")
            let metrics = try harness.get(base + "/metrics", client: client).text
            #expect(metrics.contains(#"caa_http_refused_connections_total{reason="address_limit"}"#),
                    "refusals are counted")

            // The stalled clients leave: nothing lingers, 127.0.0.2 is served again.
            stalled.forEach { close($0) }
            stalled = []
            let answered = eventually(within: 5) {
                guard let fd = try? LoopbackSocket.connect(port: port, timeout: 1, from: "127.0.0.2") else { return false }
                defer { close(fd) }
                let request = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                var buffer = [UInt8](repeating: 0, count: 1024)
                let count = recv(fd, &buffer, buffer.count, 0)
                return count > 0 && String(decoding: buffer.prefix(count), as: UTF8.self).hasPrefix("HTTP/1.1 200")
            }
            #expect(answered, "once the stalled clients leave, their address is served again")
            #expect(harness.log("instance-0").contains("connections closed at accept"), "logged, at most once per interval")
        }
    }
}
