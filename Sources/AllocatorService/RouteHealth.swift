import Logging
import Synchronization

/// What this instance saw of each route's agents in Qiscus: how many online agents its last listing returned,
/// and the division ids Qiscus does not know. A route whose listing comes back empty is logged once (its rooms
/// wait; a division id with no agent, or one Qiscus does not know, looks just like that) and once again when
/// agents are back; both show in `/v1/status`.
final class RouteHealth: Sendable {
    struct Line: Sendable, Equatable {
        var listedAgents: Int?
        var unknownDivisions: [Int] = []
    }

    private let lines = Mutex<[String: Line]>([:])
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// The line of a route (empty when nothing was seen yet).
    func line(of route: String) -> Line {
        lines.withLock { $0[route] ?? Line() }
    }

    /// A listing of the route's agents returned `count` online agents.
    func listed(_ route: String, divisions: [Int], count: Int) {
        let before = lines.withLock { lines -> Int? in
            defer { lines[route, default: Line()].listedAgents = count }
            return lines[route]?.listedAgents
        }
        if count == 0, before != 0 {
            logger.warning("no online agent in a route's listing; its rooms wait until one comes online",
                           metadata: ["route": "\(route)", "division_ids": "\(divisions)"])
        } else if count > 0, before == 0 {
            logger.notice("a route has online agents again", metadata: ["route": "\(route)", "agents": "\(count)"])
        }
    }

    /// Qiscus's list of divisions does not have these ids of the route.
    func unknown(_ route: String, divisions: [Int]) {
        let changed = lines.withLock { lines -> Bool in
            defer { lines[route, default: Line()].unknownDivisions = divisions }
            return lines[route]?.unknownDivisions != divisions
        }
        if changed, !divisions.isEmpty {
            logger.error("a route names division ids Qiscus does not know; its rooms wait (fix ROUTES_FILE)",
                         metadata: ["route": "\(route)", "unknown_division_ids": "\(divisions)"])
        }
    }
}
