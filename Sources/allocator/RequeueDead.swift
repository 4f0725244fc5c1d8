import Allocation
import AllocatorService
import ArgumentParser
import Foundation
import Redis

/// `allocator requeue-dead`: puts rooms from the dead list back in line (after their cause is fixed).
struct RequeueDead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue-dead",
        abstract: "Queue dead rooms again, at their original place in line (REDIS_URL, QISCUS_APP_ID or TENANTS_FILE, KEY_PREFIX).")

    @OptionGroup var options: StoreOptions

    @Option(help: "Only this room (default: every dead room).") var room: String?

    func run() async throws {
        let config = try await options.load()
        let redis = RedisClient(configuration: config.redis)
        let store = try config.store(on: redis)
        let total = try await redis.withRunning { _ in
            var total = 0
            while true {
                let revived = try await store.run(Revive(room: room, batch: 1000))
                guard revived.code == .revived else { break }
                total += revived.rooms.count
                for room in revived.rooms { print("requeued \(room)") }
                if room != nil { break }
            }
            return total
        }
        print("\(total) room(s) requeued")
    }
}
