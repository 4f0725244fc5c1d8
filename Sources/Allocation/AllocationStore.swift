import Redis

/// The Swift face of the Lua scripts of one app: arguments in, typed answers out. Holds no connection;
/// each call runs on the connection given, so it works from any thread with a pooled connection.
public struct AllocationStore: Sendable {
    public let keys: Keyspace
    /// The most wake-up tokens kept in the wake list (about the number of workers that may sleep on it).
    public let wakeCap: Int

    public init(keys: Keyspace, wakeCap: Int = 256) {
        precondition(wakeCap > 0, "wakeCap must be positive")
        self.keys = keys
        self.wakeCap = wakeCap
    }

    /// Queues a room for a customer session (a no-op for duplicates; see `EnqueueCode`).
    public func enqueue(room: String, session: String, on connection: RedisConnection) throws -> EnqueueCode {
        try run(AllocationScripts.enqueue, as: EnqueueCode.self, on: connection,
                arguments: [room, session, String(wakeCap)]).code
    }

    /// Leases the head of the queue to `token` for `leaseMilliseconds`. `consumesWakeToken`: the caller was
    /// not woken by a token, so the room's `q` token is taken off the wake list.
    public func claim(token: String, leaseMilliseconds: Int, consumesWakeToken: Bool = false,
                      on connection: RedisConnection) throws -> ScriptResult<ClaimCode> {
        try claimCall(token: token, leaseMilliseconds: leaseMilliseconds, consumesWakeToken: consumesWakeToken)
            .run(on: connection)
    }

    func claimCall(token: String, leaseMilliseconds: Int, consumesWakeToken: Bool) -> ScriptCall<ClaimCode> {
        call(AllocationScripts.claim, [token, String(leaseMilliseconds), consumesWakeToken ? "1" : "0"])
    }

    /// Reserves an agent under `limit` for a room this token holds (the allocation rule: `lua/reserve.lua`).
    /// `releaseWindowMilliseconds`: our releases of an agent within it are subtracted from Qiscus's lagging
    /// count (0 turns that off).
    public func reserve(room: String, token: String, limit: Int, strategy: AllocationStrategy = .leastLoaded,
                        releaseWindowMilliseconds: Int = 0, candidates: [AgentCandidate],
                        on connection: RedisConnection) throws -> ScriptResult<ReserveCode> {
        try reserveCall(room: room, token: token, limit: limit, strategy: strategy,
                        releaseWindowMilliseconds: releaseWindowMilliseconds, candidates: candidates).run(on: connection)
    }

    func reserveCall(room: String, token: String, limit: Int, strategy: AllocationStrategy,
                     releaseWindowMilliseconds: Int, candidates: [AgentCandidate]) -> ScriptCall<ReserveCode> {
        var arguments = [room, token, String(limit), strategy.rawValue, String(releaseWindowMilliseconds)]
        arguments.reserveCapacity(5 + candidates.count * 2)
        for candidate in candidates {
            arguments.append(String(candidate.id))
            arguments.append(String(candidate.reportedLoad))
        }
        return call(AllocationScripts.reserve, arguments)
    }

    /// Makes the reservation the room's assignment after a successful assign call.
    public func commit(room: String, token: String, agent: Int,
                       on connection: RedisConnection) throws -> ScriptResult<CommitCode> {
        try commitCall(room: room, token: token, agent: agent).run(on: connection)
    }

    func commitCall(room: String, token: String, agent: Int) -> ScriptCall<CommitCode> {
        call(AllocationScripts.commit, [room, token, String(agent)])
    }

    /// Gives a held room up: frees its reservation (`agent`, or `nil` when none was made) and requeues it at
    /// the head or sends it to the dead set.
    public func rollback(room: String, token: String, agent: Int?, to disposition: RoomDisposition,
                         on connection: RedisConnection) throws -> ScriptResult<RollbackCode> {
        try rollbackCall(room: room, token: token, agent: agent, to: disposition).run(on: connection)
    }

    func rollbackCall(room: String, token: String, agent: Int?, to disposition: RoomDisposition) -> ScriptCall<RollbackCode> {
        let (mode, reason): (String, String) = switch disposition {
        case .requeue: ("requeue", "")
        case .dead(let reason): ("dead", reason)
        }
        return call(AllocationScripts.rollback, [room, token, agent.map { String($0) } ?? "", mode, reason, String(wakeCap)])
    }

    /// The room was resolved: frees the slot of the agent we assigned and forgets the room (idempotent).
    /// `sessionFloor` raises the room's session tombstone so late webhooks of that session are stale.
    public func release(room: String, sessionFloor: String? = nil,
                        on connection: RedisConnection) throws -> ScriptResult<ReleaseCode> {
        try run(AllocationScripts.release, as: ReleaseCode.self, on: connection,
                arguments: [room, sessionFloor ?? "", String(wakeCap)])
    }

    /// Returns up to `batch` rooms whose lease expired to the head of the queue, keeping their reservation.
    public func recover(batch: Int, on connection: RedisConnection) throws -> ScriptResult<RecoverCode> {
        try run(AllocationScripts.recover, as: RecoverCode.self, on: connection,
                arguments: [String(batch), String(wakeCap)])
    }

    /// Pushes the lease of a room this token holds to `leaseMilliseconds` from now.
    public func extend(room: String, token: String, leaseMilliseconds: Int,
                       on connection: RedisConnection) throws -> ScriptResult<ExtendCode> {
        try extendCall(room: room, token: token, leaseMilliseconds: leaseMilliseconds).run(on: connection)
    }

    func extendCall(room: String, token: String, leaseMilliseconds: Int) -> ScriptCall<ExtendCode> {
        call(AllocationScripts.extend, [room, token, String(leaseMilliseconds)])
    }

    /// Queues dead rooms again at their place in line: `room`, or the oldest `batch` of them.
    public func revive(room: String? = nil, batch: Int = 1000, on connection: RedisConnection) throws -> ScriptResult<ReviveCode> {
        try run(AllocationScripts.revive, as: ReviveCode.self, on: connection,
                arguments: [room ?? "", String(batch), String(wakeCap)])
    }

    /// Forgets assigned rooms of agents whose Qiscus count is below our books (lost resolve webhooks, agents
    /// gone offline), for agents not reserved during the last `settleMilliseconds` (see `lua/reconcile.lua`).
    public func reconcile(counts: [Int: Int], settleMilliseconds: Int,
                          on connection: RedisConnection) throws -> ScriptResult<ReconcileCode> {
        var arguments = [String(settleMilliseconds), String(wakeCap)]
        for (agent, count) in counts.sorted(by: { $0.key < $1.key }).prefix(500) {
            arguments.append(String(agent))
            arguments.append(String(count))
        }
        return try run(AllocationScripts.reconcile, as: ReconcileCode.self, on: connection,
                       arguments: arguments)
    }

    /// Runs a script on a connection and decodes its answer.
    private func run<Code: ScriptCode>(_ script: RedisScript, as: Code.Type, on connection: RedisConnection,
                                       arguments: [String]) throws -> ScriptResult<Code> {
        try call(script, arguments, as: Code.self).run(on: connection)
    }

    func call<Code: ScriptCode>(_ script: RedisScript, _ arguments: [String], as: Code.Type = Code.self) -> ScriptCall<Code> {
        ScriptCall(script: script, keys: keys.keys(of: script.name), arguments: arguments)
    }
}
