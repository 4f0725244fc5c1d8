import Allocation
import Synchronization

/// A stand-in for the Qiscus API whose listings a test controls: each is counted, can be held at a gate until
/// the test opens it, and fails while ``failing`` is set; assigns answer from a script.
final class ControlledGateway: AgentGateway {
    /// A scripted error of a call.
    struct Failure: GatewayFailure {
        var isRetryable = false
        var retryAfter: Double?
        var kind: String
        var isServiceFault = false
        var refusedWithoutEffect = false
        var description: String { "scripted \(kind)" }
    }

    private struct State {
        var agents: [AgentCandidate]
        var listings = 0
        var inFlight = 0
        var mostInFlight = 0
        var open = true
        var held: [CheckedContinuation<Void, Never>] = []
        var failing = false
        var refusedRooms: Set<String> = []
        var assignResults: [Failure?]
        var assigns: [(room: String, agent: Int)] = []
    }

    private let state: Mutex<State>

    /// - Parameter assignResults: one result per assign call (success once the script ran out).
    init(agents: [AgentCandidate], assignResults: [Failure?] = []) {
        state = Mutex(State(agents: agents, assignResults: assignResults))
    }

    /// `count` agents with ids `1...count`, Qiscus reporting each at `load`.
    convenience init(agentCount count: Int, load: Int = 0, assignResults: [Failure?] = []) {
        self.init(agents: (1...count).map { AgentCandidate(id: $0, reportedLoad: load) }, assignResults: assignResults)
    }

    /// Listing calls made (counted when they start).
    var listings: Int { state.withLock { $0.listings } }
    /// The most listing calls that were in flight at one moment.
    var mostInFlight: Int { state.withLock { $0.mostInFlight } }
    var assigns: [(room: String, agent: Int)] { state.withLock { $0.assigns } }

    /// While set, a listing that gets past the gate throws a retryable `unreachable`.
    var failing: Bool {
        get { state.withLock { $0.failing } }
        set { state.withLock { $0.failing = newValue } }
    }

    /// Rooms whose listing Qiscus refuses (a non-retryable `rejected`, about the room).
    var refusedRooms: Set<String> {
        get { state.withLock { $0.refusedRooms } }
        set { state.withLock { $0.refusedRooms = newValue } }
    }

    /// Listings started from now on wait until ``open()``.
    func close() { state.withLock { $0.open = false } }

    /// Lets the held listings (and every later one) through.
    func open() {
        let held = state.withLock { state in
            state.open = true
            defer { state.held.removeAll() }
            return state.held
        }
        for listing in held { listing.resume() }
    }

    func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
        await withCheckedContinuation { continuation in
            let pass = state.withLock { state in
                state.listings += 1
                state.inFlight += 1
                state.mostInFlight = max(state.mostInFlight, state.inFlight)
                if !state.open { state.held.append(continuation) }
                return state.open
            }
            if pass { continuation.resume() }
        }
        let (agents, failing, refused) = state.withLock { state in
            state.inFlight -= 1
            return (state.agents, state.failing, state.refusedRooms.contains(room))
        }
        if failing { throw Failure(isRetryable: true, kind: "unreachable") }
        if refused { throw Failure(kind: "rejected") }
        return agents
    }

    func agentCounts(room: String) async throws -> [Int: Int] { [:] }

    func assign(room: String, agent: Int) async throws {
        let failure = state.withLock { state -> Failure? in
            state.assigns.append((room, agent))
            return state.assignResults.isEmpty ? nil : state.assignResults.removeFirst()
        }
        if let failure { throw failure }
    }
}
