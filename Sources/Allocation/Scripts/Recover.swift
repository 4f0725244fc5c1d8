/// `lua/recover.lua`: rooms whose lease expired go back to the head of the queue, keeping their reservation.
public struct Recover: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// rooms are back at the head
        case recovered = 1
        /// no lease has expired
        case none = 0
    }

    public static let name = "recover"
    public static let keys: [Keyspace.Name] = [.queue, .state, .lease, .owner, .wake, .since, .route, .routes]
    public static let takesEveryRoute = true

    /// The most rooms one call recovers.
    public var batch: Int

    public init(batch: Int = 100) { self.batch = batch }

    public func arguments(wakeCap: Int) -> [String] { [String(batch), String(wakeCap)] }

    /// What the recovery answered.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// The rooms put back, in queue order (empty when none).
        public let rooms: [String]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome { Outcome(code: reply.code, rooms: reply.strings) }
}
