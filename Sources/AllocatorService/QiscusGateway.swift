import Allocation
import Qiscus

/// The allocation tasks' view of Qiscus: one per instance, shared by every task.
struct QiscusGateway: AgentGateway {
    let client: QiscusClient

    func onlineAgents(room: String, route: String) async throws -> [AgentCandidate] {
        try await client.onlineAgents(room: room).map { AgentCandidate(id: $0.id, reportedLoad: $0.currentCustomerCount) }
    }

    func agentCounts(room: String) async throws -> [Int: Int] {
        Dictionary(try await client.listedAgents(room: room).map { ($0.id, $0.currentCustomerCount) }) { first, _ in first }
    }

    func assign(room: String, agent: Int) async throws {
        _ = try await client.assign(room: room, agent: agent)
    }

    func probe() async throws {
        try await client.probe()
    }
}

extension QiscusError: GatewayFailure {
    public var retryAfter: Double? {
        if case .rateLimited(let after) = self { return after }
        return nil
    }
}
