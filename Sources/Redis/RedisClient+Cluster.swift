extension RedisClient {
    /// On a Redis Cluster: the `MOVED` and `ASK` redirects followed so far, and the pauses before a retry
    /// (`TRYAGAIN`, `CLUSTERDOWN`, a node refusing connections).
    public var clusterEvents: (moved: Int, asked: Int, paused: Int) {
        (router.moved.load(ordering: .relaxed), router.asked.load(ordering: .relaxed), router.paused.load(ordering: .relaxed))
    }

    /// Makes a call on a Redis Cluster: sends it to the master of its slot and does what the replies ask
    /// (`RedisClusterCall` says what is sent again and why that is safe). A node that refuses the connection
    /// (nothing was sent) makes the map refresh and is tried again within the policy's retry window; a broken
    /// connection (the commands may have run) is thrown, as with a single node.
    func clusterSubmit(_ commands: [[String]], fallback: [String]?, interruptible: Bool,
                       slot: Int? = nil, waiting: Bool = false) async throws -> [RedisReply] {
        var call = RedisClusterCall(commands: commands, fallback: fallback, policy: clusterPolicy, slot: slot, waiting: waiting)
        while true {
            let address = call.node ?? router.address(for: call.slot)
            let attempt = call.nextAttempt()
            let replies: [RedisReply]
            do {
                replies = try await router.core(at: address).perform(attempt.commands, fallback: attempt.fallback,
                                                                     interruptible: interruptible)
            } catch let error as RedisError where error.isConnectionError {
                router.requestRefresh()
                guard case .connectFailed = error, let pause = call.pauseAfterUnreachable() else { throw error }
                router.paused.add(1, ordering: .relaxed)
                try await Task.sleep(for: pause)
                continue
            }
            switch try call.record(replies, from: address) {
            case .done(let replies): return replies
            case .redirected(let redirect): router.follow(redirect)
            case .pause(let pause):
                router.paused.add(1, ordering: .relaxed)
                try await Task.sleep(for: pause)
            }
        }
    }
}
