/// Typed views of the values that follow each code.
extension ScriptResult where Code == ClaimCode {
    /// The claimed (or dropped) room.
    public var room: String? { values.first }
    /// The claimed room's session key.
    public var session: String? { values.count > 1 ? values[1] : nil }
    /// The agent the room kept reserved from an earlier lease, if any.
    public var reservedAgent: Int? { values.count > 2 ? Int(values[2]) : nil }
    /// Rooms still queued after this claim.
    public var remaining: Int? { values.count > 3 ? Int(values[3]) : nil }
}

extension ScriptResult where Code == ReserveCode {
    /// The agent reserved (or already held / assigned).
    public var agent: Int? { values.first.flatMap { Int($0) } }
    /// Our count of rooms for the agent after the call.
    public var load: Int? { values.count > 1 ? Int(values[1]) : nil }
}

extension ScriptResult where Code == ReleaseCode {
    /// The agent whose slot was freed, if any.
    public var agent: Int? { values.first.flatMap { Int($0) } }
}

extension ScriptResult where Code == ReconcileCode {
    /// The rooms forgotten, with the agent each was counted against.
    public var forgotten: [(agent: Int, room: String)] {
        stride(from: 0, to: values.count - 1, by: 2).compactMap { index in
            Int(values[index]).map { ($0, values[index + 1]) }
        }
    }
}

extension ScriptResult where Code == ReviveCode {
    /// The rooms queued again, oldest first.
    public var rooms: [String] { values }
}

extension ScriptResult where Code == RecoverCode {
    /// The rooms put back at the head, in queue order.
    public var rooms: [String] { values }
}

extension ScriptResult where Code == CommitCode {
    /// Milliseconds from the room's queueing to its commit (Redis clock), when known.
    public var waitedMilliseconds: Int? { values.first.flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil } }
}
