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
        let environment = ServiceConfiguration.mergedEnvironment()
        guard let app = environment["QISCUS_APP_ID"], !app.isEmpty else {
            throw ValidationError("QISCUS_APP_ID is not set")
        }
        let store = AllocationStore(keys: try Keyspace(prefix: environment["KEY_PREFIX"] ?? "caa", app: app))
        let connection = RedisConnection(configuration: try RedisConfiguration(
            url: environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"))
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
