import Synchronization

/// One route's shared view of its online agents in one instance: at most one listing in flight, shared by
/// every allocation that needs it, and reused while younger than the max age (`AGENT_VIEW_MAX_AGE_MS`),
/// counted from the start of the listing.
///
/// - A use of a view past half its max age asks for a refresh in the background (``AgentViews`` runs it), so
///   while rooms flow they find a fresh view and make one API call each (the assign); an idle route is not
///   listed at all.
/// - A view past its max age is not used: the first allocation that needs it lists (the others wait for that
///   listing and take it whatever its age, since a newer one would not come sooner).
/// - A failed listing leaves the last view in use until it is 10 times the max age old; past that the
///   allocation gets the error (and retries it as any failed API call).
/// - A max age of zero lists for every room (the behaviour before the view), nothing shared.
///
/// `available_agents` takes a room: the view shares one listing among rooms, which assumes the answer does not
/// depend on the room beyond availability (docs/architecture.md). Which agent gets a room stays
/// `reserve.lua`'s decision on our own counts, so a stale view never puts an agent over its limit.
public final class AgentView: Sendable {
    public let route: String
    public let maxAge: Duration
    let gateway: any AgentGateway
    /// Asks ``AgentViews`` to run ``refreshInBackground()``.
    let requestRefresh: @Sendable (AgentView) -> Void

    enum Outcome: Sendable {
        case listing(AgentListing)
        case failed(any Error)
        /// The caller lists.
        case lead
        /// The listing waited for failed for a reason of its own room (a refused room): ask again, and list for
        /// this room if nobody else does.
        case again
    }

    private struct State {
        var current: AgentListing?
        var inFlight = false
        /// A background refresh was asked for and has not started yet.
        var refreshAsked = false
        /// The last listing failed (and when): the current view serves up to 10x the max age.
        var failedAt: ContinuousClock.Instant?
        var waiters: [CheckedContinuation<Outcome, Never>] = []
        /// The room a background refresh lists `available_agents` for.
        var lastRoom = "0"
    }

    private let state = Mutex(State())

    init(route: String, maxAge: Duration, gateway: any AgentGateway,
         requestRefresh: @escaping @Sendable (AgentView) -> Void = { _ in }) {
        self.route = route
        self.maxAge = maxAge
        self.gateway = gateway
        self.requestRefresh = requestRefresh
    }

    /// The listing a room of the route is allocated from: the shared one while fresh, else the one in flight
    /// or a new one. Throws what the gateway throws when no listing can serve.
    public func listing(room: String) async throws -> AgentListing {
        guard maxAge > .zero else { return try await fetch(room: room).get() }
        while true {
            switch await use(room: room) {
            case .listing(let listing): return listing
            case .failed(let error): throw error
            case .lead: return try await list(room: room)
            case .again: continue
            }
        }
    }

    /// What a use of the view gets: the current listing, the outcome of the one in flight, or the lead of a new one.
    private func use(room: String) async -> Outcome {
        let now = ContinuousClock.now
        var refreshAhead = false
        let outcome: Outcome = await withCheckedContinuation { continuation in
            let immediate = state.withLock { state -> Outcome? in
                state.lastRoom = room
                if let current = state.current {
                    let age = current.age(at: now)
                    let stale = age >= maxAge
                    // Past its max age a view serves only while listings fail, up to 10x the max age.
                    if !stale || (state.failedAt != nil && age < maxAge * 10) {
                        // Ahead of expiry while rooms flow; after a failure, not sooner than half the max age later.
                        let due = age >= maxAge / 2 && (state.failedAt.map { $0.duration(to: now) >= maxAge / 2 } ?? true)
                        if due && !state.inFlight && !state.refreshAsked {
                            state.refreshAsked = true
                            refreshAhead = true
                        }
                        return .listing(current)
                    }
                }
                if state.inFlight {
                    state.waiters.append(continuation)
                    return nil
                }
                state.inFlight = true
                return .lead
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        if refreshAhead { requestRefresh(self) }
        return outcome
    }

    /// Lists ahead of expiry, unless a listing is in flight already or one finished since the ask. Errors are
    /// the next use's business (the last view keeps serving up to 10x the max age).
    func refreshInBackground() async {
        let now = ContinuousClock.now
        let room = state.withLock { state -> String? in
            state.refreshAsked = false
            guard !state.inFlight, (state.current.map { $0.age(at: now) >= maxAge / 2 } ?? true) else { return nil }
            state.inFlight = true
            return state.lastRoom
        }
        guard let room else { return }
        _ = try? await list(room: room)
    }

    /// The listing of the caller that set `inFlight`: publishes it (or, on failure, the last view while under
    /// 10x the max age) to every waiter. A failure that is about the room listed for (not retryable and not a
    /// fault of the service, e.g. a room Qiscus refuses) is that room's alone: it is thrown to the caller, the
    /// waiters ask again for their own rooms, and the view is not marked failed.
    private func list(room: String) async throws -> AgentListing {
        let result = await fetch(room: room)
        let now = ContinuousClock.now
        var aboutRoom = false
        if case .failure(let error) = result, let failure = error as? GatewayFailure {
            aboutRoom = !failure.isRetryable && !failure.isServiceFault
        }
        let (served, waiters) = state.withLock { state -> (Result<AgentListing, any Error>, [CheckedContinuation<Outcome, Never>]) in
            state.inFlight = false
            state.refreshAsked = false
            defer { state.waiters.removeAll() }
            switch result {
            case .success(let listing):
                state.current = listing
                state.failedAt = nil
                return (result, state.waiters)
            case .failure:
                if aboutRoom { return (result, state.waiters) }
                state.failedAt = now
                if let current = state.current, current.age(at: now) < maxAge * 10 { return (.success(current), state.waiters) }
                return (result, state.waiters)
            }
        }
        for waiter in waiters {
            switch served {
            case .success(let listing): waiter.resume(returning: .listing(listing))
            case .failure(let error): waiter.resume(returning: aboutRoom ? .again : .failed(error))
            }
        }
        return try served.get()
    }

    /// One listing from the gateway, timed and counted as its API call (`caa_qiscus_request_seconds`, errors).
    private func fetch(room: String) async -> Result<AgentListing, any Error> {
        let started = ContinuousClock.now
        let call = gateway.listingCall(of: route)
        do {
            let listing = AgentListing(agents: try await gateway.onlineAgents(room: room, route: route), startedAt: started)
            GatewayMetrics.record(call, app: gateway.appID, since: started)
            return .success(listing)
        } catch {
            GatewayMetrics.record(call, app: gateway.appID, since: started, error: error)
            return .failure(error)
        }
    }
}
