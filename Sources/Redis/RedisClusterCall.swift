/// One call (a command, a script run or a pipeline) on its way through a Redis Cluster: which of its commands
/// are still to be sent, to which node, and the replies gathered so far. The client sends ``nextAttempt()``,
/// hands the replies to ``record(_:)`` and does what it answers, until ``Step/done(_:)``.
///
/// What is sent again, and why that is safe (scripts are not idempotent: a script run twice would double an
/// assignment):
/// - A node checks the slot of a command's keys before running it. `MOVED`, `ASK`, `TRYAGAIN` and
///   `CLUSTERDOWN` are answered *instead of* running the command, so a command that got one did not run and is
///   sent again (to the node named, or after a pause); a command that got any other reply ran once and keeps
///   that reply. Only the refused commands of a pipeline are sent again, in their order, so each command of the
///   call runs exactly once, and a command sent again still runs after the ones before it.
/// - A `MULTI` ... `EXEC` block runs all or nothing: a command refused while queued makes `EXEC` answer
///   `EXECABORT` (nothing of the block ran), so the whole block is sent again.
/// - `ASK` holds for one command: each command sent again is preceded by `ASKING` (a block by one `ASKING`
///   before its `MULTI`, which lasts for the block), and a script is sent as `EVAL` (the target may not have
///   its SHA1 and there is no second chance for `ASKING`).
/// - A broken connection is never retried here: the commands in flight may have run.
struct RedisClusterCall: Sendable {
    /// What the client does next.
    enum Step: Sendable, Equatable {
        /// Every command has its final reply.
        case done([RedisReply])
        /// Send the next attempt now, to the node named (after `MOVED`, the map should learn it).
        case redirected(RedisRedirect)
        /// Send the next attempt after the pause.
        case pause(Duration)
    }

    let commands: [[String]]
    let fallback: [String]?
    /// The slot of the call's keys, if any (its first keyed command's).
    let slot: Int?
    let policy: RedisClusterPolicy
    private var replies: [RedisReply?]
    /// Indexes of the commands still to run, in order.
    private var pending: [Int]
    /// The command each reply of the attempt in flight answers (`nil` for `ASKING`).
    private var sent: [Int?] = []
    /// The node named by the last redirect; `nil` to go by the slot map.
    private(set) var node: String?
    private var asking = false
    private var redirects = 0
    private var nextPause: Duration
    private let deadline: ContinuousClock.Instant

    /// - Parameter slot: the slot of a call without keys that is about some key (nil: the commands' own).
    /// - Parameter waiting: the caller is a thread that waits (``RedisClusterPolicy/waitingRetryWindow``).
    init(commands: [[String]], fallback: [String]?, policy: RedisClusterPolicy, slot: Int? = nil, waiting: Bool = false) {
        self.commands = commands
        self.fallback = commands.count == 1 ? fallback : nil
        self.policy = policy
        self.slot = RedisKeySlot.slot(of: commands) ?? slot
        replies = Array(repeating: nil, count: commands.count)
        pending = Array(commands.indices)
        nextPause = policy.firstPause
        deadline = .now + (waiting ? policy.waitingRetryWindow : policy.retryWindow)
    }

    /// The commands to send now (with their `NOSCRIPT` fallback when it is one `EVALSHA`).
    mutating func nextAttempt() -> (commands: [[String]], fallback: [String]?) {
        sent = []
        var batch: [[String]] = []
        var inBlock = false
        for index in pending {
            let command = commands[index]
            let verb = command.first?.uppercased()
            if asking && !inBlock {
                batch.append(["ASKING"])
                sent.append(nil)
            }
            if verb == "MULTI" { inBlock = true }
            if verb == "EXEC" || verb == "DISCARD" { inBlock = false }
            batch.append(asking && fallback != nil ? fallback! : command)
            sent.append(index)
        }
        return (batch, asking ? nil : fallback)
    }

    /// Takes the replies to ``nextAttempt()``, sent to `address`. Throws `RedisError.unavailable` after more than
    /// ``RedisClusterPolicy/maxRedirects`` redirects.
    mutating func record(_ batch: [RedisReply], from address: String) throws -> Step {
        var refused: Set<Int> = []
        var redirect: RedisRedirect?
        for (reply, index) in zip(batch, sent) {
            guard let index else { continue }
            replies[index] = reply
            if let moved = RedisRedirect(reply, from: address) {
                redirect = redirect ?? moved
                refused.insert(index)
            } else if Self.isTransient(reply) {
                refused.insert(index)
            }
        }
        if refused.isEmpty {
            return .done(replies.map { $0 ?? .null })
        }
        pending = pending.filter { refused.contains($0) || inRefusedBlock($0, refused) }
        if let redirect {
            redirects += 1
            if redirects > policy.maxRedirects {
                throw RedisError.unavailable("more than \(policy.maxRedirects) cluster redirects for slot \(redirect.slot) "
                                             + "(last to \(redirect.address)): a redirect loop")
            }
            node = redirect.address
            asking = redirect.isAsk
            return .redirected(redirect)
        }
        guard let pause = takePause() else {
            return .done(replies.map { $0 ?? .null }) // out of time: the refusals are the answer
        }
        if !asking { node = nil }
        return .pause(pause)
    }

    /// After a node refused the connection (nothing was sent): the pause before trying again (the map may have
    /// changed meanwhile), or `nil` when the call is out of time.
    mutating func pauseAfterUnreachable() -> Duration? {
        node = nil
        asking = false
        return takePause()
    }

    private mutating func takePause() -> Duration? {
        let pause = nextPause
        guard ContinuousClock.now + pause < deadline else { return nil }
        nextPause = min(nextPause * 2, policy.maxPause)
        return pause
    }

    /// Whether `index` is in a `MULTI` ... `EXEC` block of the pending commands one of whose commands was refused.
    private func inRefusedBlock(_ index: Int, _ refused: Set<Int>) -> Bool {
        guard let block = block(containing: index) else { return false }
        return block.contains { refused.contains($0) }
    }

    /// The indexes from the `MULTI` before `index` to the `EXEC` after it, if `index` is in such a block.
    private func block(containing index: Int) -> ClosedRange<Int>? {
        var start: Int?
        for position in commands.indices {
            let verb = commands[position].first?.uppercased()
            if verb == "MULTI" { start = position }
            if verb == "EXEC" || verb == "DISCARD", let first = start {
                if (first...position).contains(index) { return first...position }
                start = nil
            }
        }
        return nil
    }

    /// `TRYAGAIN` (a multi-key command during a migration of its slot) and `CLUSTERDOWN` (no master for the
    /// slot): not run, worth another try soon.
    static func isTransient(_ reply: RedisReply) -> Bool {
        guard case .error(let message) = reply else { return false }
        return message.hasPrefix("TRYAGAIN") || message.hasPrefix("CLUSTERDOWN")
    }
}
