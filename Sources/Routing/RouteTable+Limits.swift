extension RouteTable {
    /// The routes an agent of `divisions` serves: those without divisions, and those sharing one with it. Nil
    /// (divisions unknown): only the routes without divisions.
    public func routes(servedByAgentIn divisions: Set<Int>?) -> [Route] {
        guard let divisions else { return routes.filter { !$0.usesDivisions } }
        return routes.filter { $0.isServed(byAgentIn: divisions) }
    }

    /// How many rooms an agent may hold: its own `override` when set; else the smallest
    /// `max_customers_per_agent` among the routes it serves that set one (the first such route in file order
    /// on a tie); else `globalDefault` (`MAX_CUSTOMERS_PER_AGENT`).
    ///
    /// `agentDivisions` nil means unknown (the agent was only seen in an `available_agents` listing): it is
    /// taken to serve the routes without divisions, plus `listedBy`, the route whose listing returned it.
    public func limit(agentDivisions: Set<Int>?, override: Int?, globalDefault: Int, listedBy: String?) -> AgentLimit {
        if let override { return AgentLimit(value: override, source: .override) }
        let served = agentDivisions == nil ? routes.filter { !$0.usesDivisions || $0.name == listedBy }
            : routes(servedByAgentIn: agentDivisions)
        var smallest: Route?
        for route in served {
            guard let limit = route.maxCustomersPerAgent else { continue }
            if limit < smallest?.maxCustomersPerAgent ?? .max { smallest = route }
        }
        guard let smallest, let value = smallest.maxCustomersPerAgent else {
            return AgentLimit(value: globalDefault, source: .global)
        }
        return AgentLimit(value: value, source: .route(smallest.name))
    }
}
