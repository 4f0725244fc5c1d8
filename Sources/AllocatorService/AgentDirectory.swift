import Allocation
import Foundation
import Logging
import Qiscus
import Synchronization

/// What this instance learnt about agents from Qiscus's listings: each agent's divisions (which give its limit
/// when a listing that does not carry them, `available_agents`, returns it) and, for the admin API, its card
/// and last-seen time in Redis (`remember.lua`). A card is written again only when it changed or once every
/// ``refreshInterval``, so a listing per allocation costs Redis little.
final class AgentDirectory: Sendable {
    private struct Entry {
        var divisions: Set<Int>
        var card: String
        var written: ContinuousClock.Instant?
    }

    private let entries = Mutex<[Int: Entry]>([:])
    let store: AllocationStore
    let refreshInterval: Duration
    let logger: Logger

    init(store: AllocationStore, refreshInterval: Duration = .seconds(10), logger: Logger) {
        self.store = store
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// The agent's divisions, when a listing ever carried them.
    func divisions(of agent: Int) -> Set<Int>? {
        entries.withLock { $0[agent].flatMap { $0.divisions.isEmpty ? nil : $0.divisions } }
    }

    /// Records a listing: its agents' divisions here, their cards and last-seen times in Redis (a failure there
    /// is logged, never thrown: allocation does not depend on the directory).
    func note(_ agents: [Agent]) async {
        let now = ContinuousClock.now
        let due = entries.withLock { entries -> [(agent: Int, card: String)] in
            agents.compactMap { agent in
                let divisions = Set(agent.divisions.map(\.id))
                var entry = entries[agent.id] ?? Entry(divisions: divisions, card: "", written: nil)
                if !divisions.isEmpty { entry.divisions = divisions }
                // The divisions known, not only those of this listing (`available_agents` may carry none).
                let card = Self.card(of: agent, divisions: entry.divisions)
                let changed = entry.card != card
                let stale = entry.written.map { $0.duration(to: now) >= refreshInterval } ?? true
                guard changed || stale else {
                    entries[agent.id] = entry
                    return nil
                }
                entry.card = card
                entry.written = now
                entries[agent.id] = entry
                return (agent.id, changed ? card : "")
            }
        }
        guard !due.isEmpty else { return }
        do {
            for start in stride(from: 0, to: due.count, by: Remember.maxAgents) {
                try await store.run(Remember(cards: Array(due[start..<min(due.count, start + Remember.maxAgents)])))
            }
        } catch {
            logger.debug("could not remember agents for the admin API", metadata: ["error": "\(error)"])
        }
    }

    /// The card of an agent: name, email and divisions, as compact JSON with sorted keys.
    static func card(of agent: Agent, divisions: Set<Int>) -> String {
        struct Card: Encodable {
            let name: String?
            let email: String?
            let divisions: [Int]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let card = Card(name: agent.name.map { String($0.prefix(200)) }, email: agent.email.map { String($0.prefix(200)) },
                        divisions: divisions.sorted())
        return (try? encoder.encode(card)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
