import Foundation
import Logging
import Metrics
import Redis

/// One allocation loop: claim the head of the queue, ask the gateway for online agents, reserve one in
/// Redis (`reserve.lua`), assign it through the gateway, commit or roll back. Runs on its own thread with
/// its own Redis connection and gateway; blocks on the wake list when there is nothing it can do, so a new
/// room or a freed slot is served within milliseconds and an idle worker costs nothing.
public final class AllocationWorker: @unchecked Sendable {
    public let name: String
    let store: AllocationStore
    let connection: RedisConnection
    let gateway: AgentGateway
    let settings: WorkerSettings
    let logger: Logger
    let shouldStop: @Sendable () -> Bool
    let checkpoint: @Sendable (WorkerStep) -> Void
    /// Set after a room found no capacity: until a slot frees (`c` token), queue tokens are not worth a try.
    private(set) var starved = false
    private var claims = 0

    public init(name: String, store: AllocationStore, connection: RedisConnection, gateway: AgentGateway,
                settings: WorkerSettings, logger: Logger, shouldStop: @escaping @Sendable () -> Bool,
                checkpoint: @escaping @Sendable (WorkerStep) -> Void = { _ in }) {
        self.name = name
        self.store = store
        self.connection = connection
        self.gateway = gateway
        self.settings = settings
        var logger = logger
        logger[metadataKey: "worker"] = "\(name)"
        self.logger = logger
        self.shouldStop = shouldStop
        self.checkpoint = checkpoint
    }

    /// Works until `shouldStop` turns true; a room in hand is finished (or requeued) first.
    public func run() {
        logger.debug("worker started")
        while !shouldStop() {
            do {
                if starved {
                    try waitForWake()
                } else if try step() == nil {
                    try waitForWake()
                }
            } catch {
                logger.error("Redis error in worker, retrying", metadata: ["error": "\(error)"])
                pause(0.5)
            }
        }
        logger.debug("worker stopped")
    }

    /// Claims and handles one room. Returns nil when the queue was empty.
    @discardableResult
    public func step() throws -> AllocationOutcome? {
        claims += 1
        let token = "\(name)-\(claims)-\(UInt32.random(in: 0...UInt32.max))"
        let claim = try store.claim(token: token, leaseMilliseconds: settings.leaseMilliseconds, on: connection)
        switch claim.code {
        case .empty, .invalid:
            return nil
        case .droppedOrphan:
            logger.warning("dropped a queue entry whose room was not queued", metadata: ["room": "\(claim.room ?? "")"])
            return try step()
        case .claimed:
            guard let room = claim.room else { throw AllocationError.unexpectedReply(script: "claim", reply: "no room") }
            checkpoint(.claimed)
            let outcome = try allocate(room: room, token: token, reserved: claim.reservedAgent)
            Counter(label: "caa_allocations_total", dimensions: [("outcome", outcome.label)]).increment()
            if case .noCapacity = outcome { starved = true }
            return outcome
        }
    }

    /// The allocation of one claimed room.
    func allocate(room: String, token: String, reserved: Int?) throws -> AllocationOutcome {
        var log = logger
        log[metadataKey: "room"] = "\(room)"
        var candidates: [AgentCandidate] = []
        if reserved == nil {
            let listed = try call("available_agents", room: room, token: token, log: log) { try gateway.onlineAgents(room: room) }
            guard case .success(let agents) = listed else {
                return try unsuccessful(listed, call: "available_agents", room: room, token: token, agent: nil, log: log)
            }
            candidates = agents
        }
        let reservation = try store.reserve(room: room, token: token, limit: settings.limit, strategy: settings.strategy,
                                            releaseWindowMilliseconds: settings.releaseWindowMilliseconds,
                                            candidates: Array(candidates.prefix(500)), on: connection)
        switch reservation.code {
        case .noCapacity, .invalid:
            _ = try store.rollback(room: room, token: token, agent: nil, to: .requeue, on: connection)
            log.debug("no agent under the limit; waiting for a free slot", metadata: ["candidates": "\(candidates.count)"])
            return .noCapacity
        case .alreadyAssigned:
            return .alreadyAssigned
        case .leaseLost:
            return .leaseLost
        case .reserved, .alreadyReserved:
            guard let agent = reservation.agent else {
                throw AllocationError.unexpectedReply(script: "reserve", reply: "\(reservation.values)")
            }
            log[metadataKey: "agent"] = "\(agent)"
            checkpoint(.reserved)
            return try assign(room: room, token: token, agent: agent, log: log)
        }
    }

    private func assign(room: String, token: String, agent: Int, log: Logger) throws -> AllocationOutcome {
        let assigned = try call("assign_agent", room: room, token: token, log: log) { try gateway.assign(room: room, agent: agent) }
        guard case .success = assigned else {
            return try unsuccessful(assigned, call: "assign_agent", room: room, token: token, agent: agent, log: log)
        }
        checkpoint(.assigned)
        let commit = try store.commit(room: room, token: token, agent: agent, on: connection)
        checkpoint(.committed)
        switch commit.code {
        case .committed:
            let waited = commit.waitedMilliseconds
            if let waited {
                Timer(label: "caa_webhook_to_assign_seconds").recordMilliseconds(waited)
            }
            log.info("room assigned", metadata: ["waited_ms": "\(waited.map(String.init) ?? "?")"])
            return .assigned(agent: agent, waited: waited)
        case .alreadyCommitted:
            return .alreadyAssigned
        case .leaseLost, .agentMismatch, .invalid:
            // Never roll back here: the room was recovered (the next claimer repeats the same assign) or
            // resolved meanwhile.
            log.warning("lease lost before commit; leaving the room to its new owner", metadata: ["code": "\(commit.code)"])
            return .leaseLost
        }
    }

    /// A Qiscus call that did not succeed: the lease is gone (nothing to undo), the instance is stopping
    /// (back to the head, reservation freed), or the last try failed (to the dead list with the reason, which
    /// `allocator requeue-dead` undoes).
    private func unsuccessful<T>(_ result: CallResult<T>, call: String, room: String, token: String, agent: Int?,
                                 log: Logger) throws -> AllocationOutcome {
        switch result {
        case .success, .leaseLost:
            return .leaseLost
        case .stopping(let reason):
            _ = try store.rollback(room: room, token: token, agent: agent, to: .requeue, on: connection)
            return .requeued(reason: reason)
        case .failed(let failure):
            let reason = "\(call): \(failure)"
            let result = try store.rollback(room: room, token: token, agent: agent,
                                            to: .dead(reason: String(reason.prefix(500))), on: connection)
            guard result.code == .dead else { return .leaseLost }
            log.error("Qiscus call failed for good; room moved to the dead list", metadata: ["reason": "\(reason)"])
            return .dead(reason: reason)
        }
    }

    enum CallResult<T> {
        case success(T)
        /// Not retryable, or out of tries.
        case failed(String)
        case stopping(String)
        case leaseLost
    }

    /// Calls the gateway with bounded retries; extends the lease before each retry so a slow API can not
    /// make `recover` hand the room to another worker meanwhile.
    private func call<T>(_ name: String, room: String, token: String, log: Logger,
                         _ body: () throws -> T) throws -> CallResult<T> {
        var retry = 0
        while true {
            let started = DispatchTime.now()
            do {
                let value = try body()
                Timer(label: "caa_qiscus_request_seconds", dimensions: [("call", name)])
                    .recordInterval(since: started)
                return .success(value)
            } catch {
                Timer(label: "caa_qiscus_request_seconds", dimensions: [("call", name)])
                    .recordInterval(since: started)
                let failure = error as? GatewayFailure
                Counter(label: "caa_qiscus_errors_total", dimensions: [("call", name), ("kind", failure?.kind ?? "other")])
                    .increment()
                let reason = failure?.description ?? "\(error)"
                retry += 1
                guard failure?.isRetryable == true, retry < settings.retry.attempts else { return .failed(reason) }
                let delay = settings.retry.delay(beforeRetry: retry, retryAfter: failure?.retryAfter)
                log.notice("Qiscus call failed; retrying",
                           metadata: ["call": "\(name)", "reason": "\(reason)", "retry_in_s": "\(delay)"])
                if shouldStop() { return .stopping(reason) }
                let extended = try store.extend(room: room, token: token, leaseMilliseconds: settings.leaseMilliseconds,
                                                on: connection)
                if extended.code != .extended { return .leaseLost }
                pause(delay)
                if shouldStop() { return .stopping(reason) }
            }
        }
    }

    /// Blocks on the wake list for up to `idleWait` seconds. A starved worker wakes for good only on a `c`
    /// token (a slot was freed); other tokens are drained without touching the API.
    private func waitForWake() throws {
        let seconds = settings.idleWait
        let reply = try connection.withTimeout(seconds + 5) {
            try connection.execute(["BLPOP", store.keys.wake, String(format: "%.3f", seconds)])
        }
        guard let token = reply.array?.last?.string else { return }
        if token == "c" { starved = false }
    }

    /// Sleeps up to `seconds`, waking early when the worker is told to stop.
    private func pause(_ seconds: Double) {
        let deadline = Date().addingTimeInterval(seconds)
        while !shouldStop(), Date() < deadline {
            Thread.sleep(forTimeInterval: min(0.05, max(0, deadline.timeIntervalSinceNow)))
        }
    }
}
