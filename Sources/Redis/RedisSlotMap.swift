/// Which master serves each of the 16384 slots of a Redis Cluster, as `host:port`, read from `CLUSTER SLOTS`;
/// and every node it lists (masters and replicas), to ask for the map again when a node goes.
struct RedisSlotMap: Sendable, Equatable {
    private var owners = [String?](repeating: nil, count: RedisKeySlot.count)
    /// Every node of the last full map, masters first.
    private(set) var nodes: [String] = []

    init() {}

    /// Parses a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, ...], replica...], ...]`. A node that
    /// reports an empty host (`""`, or `?` while it does not know it) is reached at `fallbackHost`, the host of
    /// the node that answered.
    init(clusterSlots reply: RedisReply, fallbackHost: String) throws {
        guard let ranges = reply.array else { throw RedisError.unexpectedReply("CLUSTER SLOTS: \(reply)") }
        var masters: [String] = [], replicas: [String] = []
        for range in ranges {
            guard let fields = range.array, fields.count >= 3, let start = fields[0].int, let end = fields[1].int,
                  0 <= start, start <= end, end < RedisKeySlot.count else {
                throw RedisError.unexpectedReply("CLUSTER SLOTS range: \(range)")
            }
            let addresses = try fields[2...].map { node -> String in
                guard let parts = node.array, parts.count >= 2, let host = parts[0].string, let port = parts[1].int else {
                    throw RedisError.unexpectedReply("CLUSTER SLOTS node: \(node)")
                }
                return "\(host.isEmpty || host == "?" ? fallbackHost : host):\(port)"
            }
            for slot in Int(start)...Int(end) { owners[slot] = addresses[0] }
            if !masters.contains(addresses[0]) { masters.append(addresses[0]) }
            for replica in addresses.dropFirst() where !replicas.contains(replica) { replicas.append(replica) }
        }
        nodes = masters + replicas.filter { !masters.contains($0) }
    }

    /// The master serving `slot`, if the map knows one.
    func owner(of slot: Int) -> String? { owners[slot] }

    /// Records a `MOVED` reply's news until the next full map.
    mutating func assign(_ slot: Int, to address: String) {
        owners[slot] = address
        if !nodes.contains(address) { nodes.insert(address, at: 0) }
    }

    /// The host of a `host:port` address (IPv6 hosts keep their colons).
    static func host(of address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return address }
        return String(address[..<colon])
    }

    /// The port of a `host:port` address.
    static func port(of address: String) -> Int? {
        guard let colon = address.lastIndex(of: ":") else { return nil }
        return Int(address[address.index(after: colon)...])
    }
}
