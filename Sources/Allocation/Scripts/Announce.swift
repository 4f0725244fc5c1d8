/// `lua/announce.lua`: an instance says which routes it runs (their fingerprint) and learns which live
/// instances run others.
public struct Announce: AllocationScript {
    public enum Code: Int, CaseIterable, Sendable {
        /// every live instance runs the same routes
        case agreed = 1
        /// some live instances run other routes
        case different = 2
    }

    public static let name = "announce"
    public static let keys: [Keyspace.Name] = [.instances]

    public var instance: String
    public var fingerprint: String
    /// An instance not heard of for this long is forgotten.
    public var ttlMilliseconds: Int

    public init(instance: String, fingerprint: String, ttlMilliseconds: Int) {
        self.instance = instance
        self.fingerprint = fingerprint
        self.ttlMilliseconds = ttlMilliseconds
    }

    public func arguments(wakeCap: Int) -> [String] { [instance, fingerprint, String(ttlMilliseconds)] }

    /// What the announcement learnt.
    public struct Outcome: Sendable, Equatable {
        public let code: Code
        /// Live instances (when agreed).
        public let live: Int?
        /// The instances that run other routes, with their fingerprints.
        public let different: [String: String]
    }

    public static func outcome(of reply: ScriptReply<Code>) -> Outcome {
        guard reply.code == .different else { return Outcome(code: reply.code, live: reply.int(0), different: [:]) }
        let values = reply.strings
        var different: [String: String] = [:]
        for index in stride(from: 0, to: values.count - 1, by: 2) { different[values[index]] = values[index + 1] }
        return Outcome(code: reply.code, live: nil, different: different)
    }
}
