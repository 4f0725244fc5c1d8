/// One route of ``RouteTable``: which webhooks it takes (``match``), which agents serve it (``divisionIDs``),
/// how many rooms its agents may hold (``maxCustomersPerAgent``) and where a room that waits too long goes
/// (``overflow``). Built unchecked; ``RouteTable`` validates its routes.
public struct Route: Sendable, Equatable, Encodable {
    /// `^[a-z0-9][a-z0-9_-]{0,31}$`, unique in its table.
    public var name: String
    /// The webhooks it takes; nil when it takes none (a route reached only by overflow, and `default`).
    public var match: RouteMatch?
    /// Qiscus divisions whose agents serve it (`by_division`); empty: every online agent (`available_agents`).
    public var divisionIDs: [Int]
    /// The most rooms one of its agents may hold (1...10000); nil: the agent's other routes or the global limit.
    public var maxCustomersPerAgent: Int?
    /// Where a room that waited ``RouteOverflow/afterSeconds`` goes.
    public var overflow: RouteOverflow?

    public init(name: String, match: RouteMatch? = nil, divisionIDs: [Int] = [], maxCustomersPerAgent: Int? = nil,
                overflow: RouteOverflow? = nil) {
        self.name = name
        self.match = match
        self.divisionIDs = divisionIDs
        self.maxCustomersPerAgent = maxCustomersPerAgent
        self.overflow = overflow
    }

    /// Whether its agents come from `by_division` over ``divisionIDs`` (else from `available_agents`).
    public var usesDivisions: Bool { !divisionIDs.isEmpty }

    /// Whether it takes a webhook of `channelID` and `source` (see ``RouteMatch/matches(channelID:source:)``).
    public func matches(channelID: Int?, source: String?) -> Bool {
        match?.matches(channelID: channelID, source: source) ?? false
    }

    /// Whether an agent of `divisions` serves it: it has no divisions, or they share one.
    public func isServed(byAgentIn divisions: Set<Int>) -> Bool {
        !usesDivisions || divisionIDs.contains(where: divisions.contains)
    }

    /// The keys of the file format (also those of the canonical encoding behind ``RouteTable/fingerprint``).
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, match
        case divisionIDs = "division_ids"
        case maxCustomersPerAgent = "max_customers_per_agent"
        case overflow
    }
}
