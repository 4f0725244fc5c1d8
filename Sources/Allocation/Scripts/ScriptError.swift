import Redis

/// The answers every script gives the same meaning (their negative codes; BullMQ maps its shared codes the
/// same way), and replies no script should give. Nothing was written when a script answers one of them.
public enum ScriptError: Error, Sendable, Equatable, CustomStringConvertible {
    /// -1 `INVALID`: the script refused its arguments.
    case invalidArgument(script: String, message: String)
    /// -2 `LEASE_LOST`: the room is not in flight under the caller's token (resolved meanwhile, or recovered
    /// and claimed by another worker). Never undo anything after it: the room has a new owner.
    case leaseLost(script: String)
    /// -3 `AGENT_MISMATCH`: the room holds another agent than the one named (`held`, or "" for none).
    case agentMismatch(script: String, held: String)
    /// A reply of a shape or code the script's type does not know.
    case unexpectedReply(script: String, reply: String)

    /// The shared codes by the names the script headers give them.
    public static let sharedCodes: [Int: String] = [-1: "INVALID", -2: "LEASE_LOST", -3: "AGENT_MISMATCH"]

    init(code: Int, script: String, values: [RedisReply]) {
        let first = values.first.flatMap { $0.string ?? $0.int.map { String($0) } } ?? ""
        switch code {
        case -1: self = .invalidArgument(script: script, message: first)
        case -2: self = .leaseLost(script: script)
        case -3: self = .agentMismatch(script: script, held: first)
        default: self = .unexpectedReply(script: script, reply: "code \(code) \(values)")
        }
    }

    /// The lease is gone (lost, or the room holds another agent): the caller no longer owns the room.
    public var meansRoomLost: Bool {
        switch self {
        case .leaseLost, .agentMismatch: return true
        case .invalidArgument, .unexpectedReply: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidArgument(let script, let message): return "\(script).lua refused its arguments: \(message)"
        case .leaseLost(let script): return "\(script).lua: the lease was lost"
        case .agentMismatch(let script, let held): return "\(script).lua: the room holds agent '\(held)'"
        case .unexpectedReply(let script, let reply): return "\(script).lua gave an unexpected reply: \(reply)"
        }
    }
}
