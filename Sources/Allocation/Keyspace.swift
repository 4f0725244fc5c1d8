/// The Redis key names of one Qiscus app: `<prefix>:{<app id>}:<name>`.
///
/// Every key shares the `{app id}` hash tag, so all of them live in one Redis Cluster slot and every script
/// may touch any of them.
public struct Keyspace: Sendable, Equatable {
    public let prefix: String
    public let app: String

    /// - Throws: `AllocationError.invalidKeyspace` when a part is empty or could break the hash tag.
    public init(prefix: String = "caa", app: String) throws {
        for (name, value) in [("KEY_PREFIX", prefix), ("QISCUS_APP_ID", app)] {
            guard !value.isEmpty, value.utf8.count <= 128,
                  !value.contains(where: { "{}".contains($0) || $0.isWhitespace }) else {
                throw AllocationError.invalidKeyspace("\(name) must be 1-128 characters without braces or spaces")
            }
        }
        self.prefix = prefix
        self.app = app
    }

    /// The name (last part) of each key of the app.
    public enum Name: String, Sendable, CaseIterable {
        case queue, state, session, lease, owner, agent, load, dead, reason, wake, since, assigned, touched, freed
        case route, routes, served, limit, paused, agents, seen, instances, stats, recent, notice, sends, tombstones
    }

    /// The queue of a route: `queue` for `default` (the key of the versions before routes, so their rooms
    /// stay in line), `queue:<route>` for any other.
    public func queue(route: String) -> String {
        route == Self.defaultRoute ? queue : key("queue:\(route)")
    }

    /// The minute ring of a route (rooms served and their waits over the last hour, `lib/stats.lua`): `stats` for
    /// `default`, `stats:<route>` for any other.
    public func stats(route: String) -> String {
        route == Self.defaultRoute ? stats : key("stats:\(route)")
    }

    /// The route every room without a route of its own belongs to.
    public static let defaultRoute = "default"

    /// The full key of a name.
    public subscript(name: Name) -> String { key(name.rawValue) }

    private func key(_ name: String) -> String { "\(prefix):{\(app)}:\(name)" }

    /// zset room -> arrival time (us, Redis clock); the lowest score is the head of the FIFO queue.
    public var queue: String { key("queue") }
    /// hash room -> `q` queued, `f` in flight, `a` assigned, `d` dead.
    public var state: String { key("state") }
    /// hash room -> newest session key seen (a tombstone after release, until ``tombstones`` says it is old).
    public var session: String { key("session") }
    /// zset room -> lease deadline in ms (Redis clock).
    public var lease: String { key("lease") }
    /// hash room -> token of the worker holding the lease.
    public var owner: String { key("owner") }
    /// hash room -> agent id reserved or assigned.
    public var agent: String { key("agent") }
    /// hash agent id -> rooms this service holds for the agent.
    public var load: String { key("load") }
    /// zset room -> time it was given up (ms).
    public var dead: String { key("dead") }
    /// hash room -> why it was given up.
    public var reason: String { key("reason") }
    /// list of wake-up tokens idle workers block on: `q` a room was queued; `c` a slot was freed or a room
    /// that keeps its reservation came back (a worker that found no capacity waits for `c` only).
    public var wake: String { key("wake") }
    /// hash room -> arrival time (us, Redis clock) of its session: its place in line when requeued.
    public var since: String { key("since") }
    /// zset room -> agent id (as the score) of every assigned room: an agent's rooms, for `reconcile`.
    public var assigned: String { key("assigned") }
    /// hash agent id -> when it was last reserved (ms, Redis clock).
    public var touched: String { key("touched") }
    /// hash agent id -> when we released its last rooms (ms, up to 16, comma separated).
    public var freed: String { key("freed") }

    /// hash room -> its route for the session, when not `default`.
    public var route: String { key("route") }
    /// set of the routes other than `default` that rooms were queued in.
    public var routes: String { key("routes") }
    /// hash route -> rooms assigned in it, ever.
    public var served: String { key("served") }
    /// hash agent id -> its own limit (admin API).
    public var limit: String { key("limit") }
    /// hash agent id -> `1` while the agent is paused (admin API).
    public var paused: String { key("paused") }
    /// hash agent id -> its card (JSON: name, email, divisions) from the last listing that showed it.
    public var agents: String { key("agents") }
    /// hash agent id -> when a listing last showed it online (ms, Redis clock).
    public var seen: String { key("seen") }
    /// hash instance id -> `<ms>:<fingerprint of its routes>`.
    public var instances: String { key("instances") }
    /// hash: the minute ring of route `default` (``stats(route:)``).
    public var stats: String { key("stats") }
    /// hash room -> `<session>:<position>:<ms>` of its last "place in line" message (`notice.lua`); the
    /// entries of rooms that left the queue are swept once the message spacing has passed.
    public var notice: String { key("notice") }
    /// hash: `s` the Redis-clock second and `n` the "place in line" messages picked in it by every instance
    /// (`QUEUE_MESSAGE_MAX_PER_SECOND`).
    public var sends: String { key("sends") }

    /// zset room -> when it was left with only its session tombstone (ms, Redis clock): `release` and `reconcile`
    /// add, `enqueue` removes, and `expire` forgets the tombstones older than `SESSION_TOMBSTONE_SECONDS`.
    public var tombstones: String { key("tombstones") }

    /// list of the last 50 assignments, newest first: `<room>:<route>:<agent>:<waited ms or -1>:<ms>` (``RecentAssignment``).
    public var recent: String { key("recent") }
    /// never exists: the readiness probe's `LPUSHX` onto it asks whether Redis takes writes, changing nothing.
    public var probe: String { key("probe") }

    /// Every fixed key of the app (the queues of routes other than `default` come on top: ``all(routes:)``).
    public var all: [String] { Name.allCases.map { self[$0] } }

    /// Every key of the app with the queues and minute rings of these routes.
    public func all(routes: [String]) -> [String] {
        let others = routes.filter { $0 != Self.defaultRoute }
        return all + others.map { queue(route: $0) } + others.map { stats(route: $0) }
    }
}
