import Synchronization

/// One listing of a route's online agents, taken at one moment (``startedAt``, when the listing was asked
/// for) and shared by every room allocated from it while it is fresh (see ``AgentView``).
///
/// Besides what Qiscus reported, it keeps an estimate of each agent's load that this instance's reservations
/// raise after the listing (the load `reserve.lua` answered; the limit, for agents of a window it found full).
/// A route with more agents than one reservation takes (``AgentViews/windowSize``) offers each room the
/// window of agents most likely to have room; the estimate only orders candidates, `reserve.lua` still judges
/// capacity on its own counts, so a wrong estimate costs at most another reservation call, never a slot.
public final class AgentListing: Sendable {
    /// Candidates offered to one reservation call.
    public struct Window: Sendable, Equatable {
        public var candidates: [AgentCandidate]
        /// Agents not tried remain after this window.
        public var more: Bool

        public static let none = Window(candidates: [], more: false)
    }

    /// The agents, in the order Qiscus listed them.
    public let agents: [AgentCandidate]
    /// When the listing was asked for: its age counts from here.
    public let startedAt: ContinuousClock.Instant
    private let estimates: Mutex<[Int]>
    private let positions: [Int: Int]

    public init(agents: [AgentCandidate], startedAt: ContinuousClock.Instant) {
        self.agents = agents
        self.startedAt = startedAt
        estimates = Mutex(agents.map(\.reportedLoad))
        positions = Dictionary(agents.enumerated().map { ($1.id, $0) }) { first, _ in first }
    }

    /// The next candidates to offer a room: at most `size` agents not in `tried`, those estimated to have room
    /// first (least loaded first for ``AllocationStrategy/leastLoaded``, in listing order for
    /// ``AllocationStrategy/inOrder``), returned in listing order so `reserve.lua` breaks ties as Qiscus
    /// listed.
    public func window(size: Int, excluding tried: Set<Int>, strategy: AllocationStrategy, limit: Int) -> Window {
        let untried = tried.isEmpty ? Array(agents.indices) : agents.indices.filter { !tried.contains(agents[$0].id) }
        guard untried.count > size else { return Window(candidates: untried.map { agents[$0] }, more: false) }
        let loads = estimates.withLock { $0 }
        func key(_ index: Int) -> (Int, Int, Int) {
            let full = loads[index] >= agents[index].limit ?? limit ? 1 : 0
            return strategy == .inOrder ? (full, 0, index) : (full, loads[index], index)
        }
        let chosen = untried.map { (key($0), $0) }.sorted { $0.0 < $1.0 }.prefix(size).map(\.1).sorted()
        return Window(candidates: chosen.map { agents[$0] }, more: true)
    }

    /// `reserve.lua` gave the agent a room and answered its load after it.
    public func noteReserved(agent: Int, load: Int) {
        guard let index = positions[agent] else { return }
        estimates.withLock { $0[index] = max($0[index], load) }
    }

    /// `reserve.lua` found no room among these candidates: they sort behind the others until the next listing.
    public func noteFull(_ candidates: [AgentCandidate], limit: Int) {
        estimates.withLock { estimates in
            for candidate in candidates {
                guard let index = positions[candidate.id] else { continue }
                estimates[index] = max(estimates[index], candidate.limit ?? limit)
            }
        }
    }

    /// How old the listing is at `now`.
    public func age(at now: ContinuousClock.Instant = .now) -> Duration { startedAt.duration(to: now) }
}
