import Allocation
import AllocatorService
import ArgumentParser
import Foundation
import Redis

/// `allocator requeue-dead`: puts rooms from the dead list back in line (after their cause is fixed).
struct RequeueDead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue-dead",
        abstract: "Queue dead rooms again, at their original place in line (REDIS_URL, QISCUS_APP_ID, KEY_PREFIX).")

    @Option(help: "Only this room (default: every dead room).") var room: String?

    func run() throws {
        let config = try Bootstrap.configuration { try StoreConfiguration.load() }
        let store = AllocationStore(keys: try config.keyspace)
        let connection = RedisConnection(configuration: config.redis)
        var total = 0
        while true {
            let result = try store.revive(room: room, batch: 1000, on: connection)
            guard result.code == .revived else { break }
            total += result.rooms.count
            for revived in result.rooms { print("requeued \(revived)") }
            if room != nil { break }
        }
        print("\(total) room(s) requeued")
    }
}
