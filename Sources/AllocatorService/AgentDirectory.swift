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
        /// What the card was made of (compared per listing; the card is encoded only when it changed).
        var name: String?
        var email: String?
        var listedDivisions: [Int]
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
                let listed = agent.divisions.map(\.id)
                var entry = entries[agent.id]
                    ?? Entry(divisions: Set(listed), name: nil, email: nil, listedDivisions: [], written: nil)
                if !listed.isEmpty { entry.divisions = Set(listed) }
                let changed = entry.written == nil || entry.name != agent.name || entry.email != agent.email
                    || (!listed.isEmpty && entry.listedDivisions != listed)
                let stale = entry.written.map { $0.duration(to: now) >= refreshInterval } ?? true
                guard changed || stale else { return nil }
                entry.name = agent.name
                entry.email = agent.email
                if !listed.isEmpty || entry.written == nil { entry.listedDivisions = listed }
                entry.written = now
                entries[agent.id] = entry
                return (agent.id, changed ? Self.card(name: agent.name, email: agent.email, divisions: entry.listedDivisions) : "")
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
    static func card(name: String?, email: String?, divisions: [Int]) -> String {
        struct Card: Encodable {
            let name: String?
            let email: String?
            let divisions: [Int]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let card = Card(name: name.map { String($0.prefix(200)) }, email: email.map { String($0.prefix(200)) },
                        divisions: divisions.sorted())
        return (try? encoder.encode(card)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
