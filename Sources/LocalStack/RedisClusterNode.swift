/// One line of `CLUSTER NODES`: a node of a ``RedisCluster`` as the cluster sees it.
public struct RedisClusterNode: Sendable, Equatable {
    public let id: String
    public let port: Int
    public let isMaster: Bool
    /// The node is marked failed (`fail`), or possibly failed (`fail?`) by the node that answered.
    public let isFailing: Bool
    /// The master a replica follows.
    public let masterID: String?
    /// The slots a master serves.
    public let slots: [ClosedRange<Int>]

    /// Parses `<id> <ip:port@bus> <flags> <master> <ping> <pong> <epoch> <link> <slot> <slot>...`; `nil` for a line
    /// of another shape.
    init?(line: Substring) {
        let fields = line.split(separator: " ")
        guard fields.count >= 8 else { return nil }
        let address = fields[1].split(separator: "@").first ?? ""
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else { return nil }
        let flags = fields[2].split(separator: ",")
        id = String(fields[0])
        self.port = port
        isMaster = flags.contains("master")
        isFailing = flags.contains("fail") || flags.contains("fail?")
        masterID = fields[3] == "-" ? nil : String(fields[3])
        slots = fields.dropFirst(8).compactMap { field -> ClosedRange<Int>? in
            if field.hasPrefix("[") { return nil } // a slot being imported or migrated
            let bounds = field.split(separator: "-").compactMap { Int($0) }
            guard let first = bounds.first else { return nil }
            return first...(bounds.last ?? first)
        }
    }

    /// Whether this master serves `slot`.
    public func serves(_ slot: Int) -> Bool { slots.contains { $0.contains(slot) } }
}
