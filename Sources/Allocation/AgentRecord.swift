/// What Redis holds about one agent, for the admin API: its card from the last listing that showed it, when
/// that was, our load, and its own limit and pause.
public struct AgentRecord: Sendable, Equatable {
    public let id: Int
    /// The card `remember.lua` stored (JSON: name, email, divisions), if a listing ever showed the agent.
    public let card: String?
    /// How long ago a listing last showed the agent online (ms, Redis clock); nil when never.
    public let seenMillisecondsAgo: Int?
    /// Rooms this service holds for the agent.
    public let load: Int
    /// Its own limit (admin API), if set.
    public let limitOverride: Int?
    public let paused: Bool

    public init(id: Int, card: String?, seenMillisecondsAgo: Int?, load: Int, limitOverride: Int?, paused: Bool) {
        self.id = id
        self.card = card
        self.seenMillisecondsAgo = seenMillisecondsAgo
        self.load = load
        self.limitOverride = limitOverride
        self.paused = paused
    }
}
