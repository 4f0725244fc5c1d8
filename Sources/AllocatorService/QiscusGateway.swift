import Allocation
import Qiscus

/// The workers' view of Qiscus: one per worker (it owns a libcurl handle).
final class QiscusGateway: AgentGateway {
    let client: QiscusClient

    init(configuration: QiscusClient.Configuration) {
        client = QiscusClient(configuration: configuration)
    }

    func onlineAgents(room: String) throws -> [AgentCandidate] {
        try client.onlineAgents(room: room).map { AgentCandidate(id: $0.id, reportedLoad: $0.currentCustomerCount) }
    }

    func agentCounts(room: String) throws -> [Int: Int] {
        Dictionary(try client.listedAgents(room: room).map { ($0.id, $0.currentCustomerCount) }) { first, _ in first }
    }

    func assign(room: String, agent: Int) throws {
        _ = try client.assign(room: room, agent: agent)
    }
}

extension QiscusError: GatewayFailure {
    public var retryAfter: Double? {
        if case .rateLimited(let after) = self { return after }
        return nil
    }
}
