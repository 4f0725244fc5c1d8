import Allocation
import ArgumentParser
import Foundation
import Redis

/// `allocator status`: queue, rooms in flight, dead rooms and agent loads, read from Redis.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the queue and agent loads from Redis.")

    @Option(help: "Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379/0).")
    var redisURL: String?

    @Option(help: "Qiscus app id whose keys to read (default: $QISCUS_APP_ID).")
    var app: String?

    @Option(help: "Key prefix (default: $KEY_PREFIX or caa).")
    var keyPrefix: String?

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let url = redisURL ?? environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        guard let app = app ?? environment["QISCUS_APP_ID"] else {
            throw ValidationError("QISCUS_APP_ID is not set (or pass --app)")
        }
        let keys = try Keyspace(prefix: keyPrefix ?? environment["KEY_PREFIX"] ?? "caa", app: app)
        let connection = RedisConnection(configuration: try RedisConfiguration(url: url))
        let snapshot = try AllocationStore(keys: keys).snapshot(on: connection)
        let inFlight = snapshot.states.values.filter { $0 == "f" }.count
        let assigned = snapshot.states.values.filter { $0 == "a" }.count
        print("app \(app) at \(connection.configuration.redacted)")
        print("queued \(snapshot.queue.count)  in flight \(inFlight)  assigned \(assigned)  dead \(snapshot.dead.count)")
        if !snapshot.queue.isEmpty { print("queue head: \(snapshot.queue.prefix(10).joined(separator: " "))") }
        for (agent, load) in snapshot.loads.sorted(by: { $0.key < $1.key }) { print("agent \(agent): \(load)") }
        for room in snapshot.dead.prefix(20) { print("dead \(room): \(snapshot.reasons[room] ?? "")") }
    }
}
