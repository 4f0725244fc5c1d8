import Redis

/// The calls of an allocation, for tasks: the same scripts as the blocking versions, through a
/// ``RedisMultiplexer`` so many allocations in flight share one connection and its round trips.
extension AllocationStore {
    public func claim(token: String, leaseMilliseconds: Int, consumesWakeToken: Bool = false,
                      on redis: RedisMultiplexer) async throws -> ScriptResult<ClaimCode> {
        try await claimCall(token: token, leaseMilliseconds: leaseMilliseconds, consumesWakeToken: consumesWakeToken)
            .run(on: redis)
    }

    public func reserve(room: String, token: String, limit: Int, strategy: AllocationStrategy = .leastLoaded,
                        releaseWindowMilliseconds: Int = 0, candidates: [AgentCandidate],
                        on redis: RedisMultiplexer) async throws -> ScriptResult<ReserveCode> {
        try await reserveCall(room: room, token: token, limit: limit, strategy: strategy,
                              releaseWindowMilliseconds: releaseWindowMilliseconds, candidates: candidates).run(on: redis)
    }

    public func commit(room: String, token: String, agent: Int,
                       on redis: RedisMultiplexer) async throws -> ScriptResult<CommitCode> {
        try await commitCall(room: room, token: token, agent: agent).run(on: redis)
    }

    public func rollback(room: String, token: String, agent: Int?, to disposition: RoomDisposition,
                         on redis: RedisMultiplexer) async throws -> ScriptResult<RollbackCode> {
        try await rollbackCall(room: room, token: token, agent: agent, to: disposition).run(on: redis)
    }

    public func extend(room: String, token: String, leaseMilliseconds: Int,
                       on redis: RedisMultiplexer) async throws -> ScriptResult<ExtendCode> {
        try await extendCall(room: room, token: token, leaseMilliseconds: leaseMilliseconds).run(on: redis)
    }
}
