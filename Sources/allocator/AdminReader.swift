import Allocation
import AllocatorService
import Foundation
import Redis

/// What `allocator agents` and `allocator queue` read, as the admin API reads it: the app's keys with the queues
/// of its routes (`ROUTES_FILE`, or its app's in `TENANTS_FILE`), and its `MAX_CUSTOMERS_PER_AGENT` for the limits.
struct AdminReader {
    let config: StoreConfiguration

    /// Reads the configuration (`options` over the environment over `.env`); a bad value is one line on
    /// stderr and exit code 78.
    static func load(_ options: StoreOptions) async throws -> AdminReader {
        AdminReader(config: try await options.load())
    }

    /// Every agent Redis knows of, by id (`GET /v1/agents`).
    func agents() async throws -> [AgentEntry] {
        let (routes, globalLimit) = (config.routes, config.maxCustomersPerAgent)
        return try await read { store in
            try store.agentRecordsWaiting().map { AgentEntry(record: $0, routes: routes, globalLimit: globalLimit) }
        }
    }

    /// The rooms waiting in each of `routes`, head first, at most `limit` per route (`GET /v1/queue`).
    func queue(routes: [String], limit: Int) async throws -> [QueueEntry] {
        try await read { store in
            try routes.flatMap { try store.queuedRoomsWaiting(route: $0, limit: limit) }.map(QueueEntry.init)
        }
    }

    /// Runs `body` over the store while its client runs. The store's admin reads wait for Redis's answer, so
    /// they run on a thread of their own, never on one of the tasks' threads.
    private func read<T: Sendable>(_ body: @escaping @Sendable (AllocationStore) throws -> T) async throws -> T {
        let redis = RedisClient(configuration: config.redis)
        let store = try config.store(on: redis)
        return try await redis.withRunning { _ in
            try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try body(store) }) }.start()
            }
        }
    }
}
