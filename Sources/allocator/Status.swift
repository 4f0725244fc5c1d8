import Allocation
import AllocatorService
import ArgumentParser
import Foundation
import Redis

/// `allocator status`: queue, rooms in flight, dead rooms and agent loads, read from Redis.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the queue and agent loads from Redis.")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print the JSON of GET /v1/status instead of text.")
    var json = false

    func run() async throws {
        let config = try await options.load()
        let redis = RedisClient(configuration: config.redis)
        let store = try config.store(on: redis)
        let (summary, dead) = try await redis.withRunning { _ in (try await store.summary(), try await store.deadRooms(limit: 20)) }
        if json {
            let status = ServiceStatus(summary: summary, dead: dead)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        print("app \(config.qiscusAppID) at \(config.redis.redacted)")
        print("queued \(summary.queued)  in flight \(summary.inFlight)  dead \(summary.dead)")
        if summary.routes.count > 1 {
            for route in summary.routes {
                let wait = route.oldestWaitMilliseconds.map { String(format: "  oldest waiting %.1f s", Double($0) / 1000) } ?? ""
                let hour = route.lastHour.map { hour in
                    "  last hour \(hour.served)" + (hour.waitAtMost(0.5).map { ", half within \($0 / 1000) s" } ?? "")
                } ?? ""
                print("route \(route.name): queued \(route.queued)  served \(route.served)\(hour)\(wait)")
            }
        }
        for (agent, load) in summary.loads.sorted(by: { $0.key < $1.key }) { print("agent \(agent): \(load)") }
        for room in dead { print("dead \(room.room): \(room.reason)") }
    }
}
