import Allocation
import Foundation
import Routing

extension AgentEntry {
    /// A listing that showed the agent within this long (ms) makes it online.
    public static let onlineWindowMilliseconds = 60_000

    /// The view of what Redis holds about an agent: its card (name, email, divisions), its limit and where the
    /// limit comes from (its override, else its routes, else `globalLimit`), and the routes it serves.
    /// - Parameter globalLimit: `MAX_CUSTOMERS_PER_AGENT`.
    public init(record: AgentRecord, routes: RouteTable, globalLimit: Int,
                onlineWindowMilliseconds: Int = AgentEntry.onlineWindowMilliseconds) {
        let card = record.card.flatMap { try? JSONDecoder().decode(Card.self, from: Data($0.utf8)) }
        let divisions = card.map { Set($0.divisions ?? []) }.flatMap { $0.isEmpty ? nil : $0 }
        let limit = routes.limit(agentDivisions: divisions, override: record.limitOverride, globalDefault: globalLimit, listedBy: nil)
        let (source, route): (String, String?) = switch limit.source {
        case .override: ("override", nil)
        case .route(let name): ("route", name)
        case .global: ("global", nil)
        }
        self.init(id: record.id, name: card?.name, email: card?.email,
                  online: record.seenMillisecondsAgo.map { $0 <= onlineWindowMilliseconds } ?? false,
                  lastSeenMillisecondsAgo: record.seenMillisecondsAgo, load: record.load, limit: limit.value,
                  limitSource: source, limitRoute: route, paused: record.paused,
                  routes: routes.routes(servedByAgentIn: divisions).map(\.name), divisions: (divisions ?? []).sorted())
    }

    /// An agent's card as `remember.lua` stored it.
    private struct Card: Decodable {
        let name: String?
        let email: String?
        let divisions: [Int]?
    }
}
