/// `lua/extend.lua`: a worker whose Qiscus calls are slow pushes its lease deadline further out.
public struct Extend: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// the lease was pushed out
        case extended = 1
    }

    public static let name = "extend"
    public static let keys: [Keyspace.Name] = [.state, .lease, .owner]

    public var room: String
    public var token: String
    public var leaseMilliseconds: Int

    public init(room: String, token: String, leaseMilliseconds: Int) {
        self.room = room
        self.token = token
        self.leaseMilliseconds = leaseMilliseconds
    }

    public func arguments(wakeCap: Int) -> [String] { [room, token, String(leaseMilliseconds)] }

    /// What the extension answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The new deadline (ms, Redis clock).
        public let deadline: Int?
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code, deadline: reply.int(0)) }
}
