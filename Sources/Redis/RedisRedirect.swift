/// A `MOVED <slot> <host>:<port>` or `ASK <slot> <host>:<port>` error reply of a Redis Cluster node: the
/// command was not run, and belongs (for good, or for this once during a slot migration) on another node.
struct RedisRedirect: Sendable, Equatable {
    /// `ASK`: ask the node once (after `ASKING`); `MOVED`: the slot lives there now.
    let isAsk: Bool
    let slot: Int
    /// `host:port`.
    let address: String

    /// - Parameter node: the `host:port` the command went to (for a reply that names no host).
    init?(_ reply: RedisReply, from node: String) {
        guard case .error(let message) = reply else { return nil }
        let words = message.split(separator: " ")
        guard words.count == 3, words[0] == "MOVED" || words[0] == "ASK", let slot = Int(words[1]),
              words[2].contains(":") else { return nil }
        isAsk = words[0] == "ASK"
        self.slot = slot
        // A node that does not know its own address answers `:port`: the host is the one the command went to.
        address = words[2].hasPrefix(":") ? RedisSlotMap.host(of: node) + words[2] : String(words[2])
    }
}
