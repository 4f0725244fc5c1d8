import Redis

/// The Swift face of one Lua script of `lua/`: its keys, its arguments and its typed answer, in one type.
///
/// A script answers `{code, values...}`. Non-negative codes are the script's own (`Code`, mirrored from the
/// `Returns:` block of its header); the negative ones mean the same in every script and are thrown as
/// ``ScriptError`` (-1 bad arguments, -2 lease lost, -3 agent mismatch). ``outcome(of:)`` names the values.
public protocol AllocationScript: Sendable {
    /// The script's own return codes (the non-negative ones of its header).
    associatedtype Code: RawRepresentable, CaseIterable, Sendable, Equatable where Code.RawValue == Int
    /// The decoded answer: the code and the values named.
    associatedtype Outcome: Sendable, Equatable

    /// The script's file name in `lua/`, without `.lua`.
    static var name: String { get }
    /// Its fixed KEYS, in the order its header lists them.
    static var keys: [Keyspace.Name] { get }
    /// Its fixed KEYS for one app. By default ``keys``; a script that works on one route's queue puts that queue
    /// where its header says `queue`, and a script that takes several queues appends them.
    func keys(in keyspace: Keyspace) -> [String]
    /// Whether the store appends the queue of every route other than `default` to KEYS, and the route names to
    /// ARGV (the scripts that may meet a room of any route: release, recover, revive, nudge).
    static var takesEveryRoute: Bool { get }
    /// Its ARGV, in the order its header lists them. `wakeCap` is the store's cap of the wake list, for the
    /// scripts that push wake-up tokens.
    func arguments(wakeCap: Int) -> [String]
    /// Names the values that follow a non-negative code.
    static func outcome(of reply: ScriptReply<Code>) throws -> Outcome
}

extension AllocationScript {
    public func keys(in keyspace: Keyspace) -> [String] { Self.keys.map { keyspace[$0] } }

    /// ``keys``, where the header's `queue` is the queue of `route` (a script that works on one route's queue).
    func keys(in keyspace: Keyspace, queueOf route: String) -> [String] {
        Self.keys.map { $0 == .queue ? keyspace.queue(route: route) : keyspace[$0] }
    }

    public static var takesEveryRoute: Bool { false }

    /// The embedded source, run with `EVALSHA`.
    public static var lua: RedisScript { ScriptLibrary.script(name) }

    /// Decodes `{code, values...}`: negative codes are thrown as ``ScriptError``.
    static func decode(_ reply: RedisReply) throws -> Outcome {
        guard let elements = reply.array, let raw = elements.first?.int else {
            throw ScriptError.unexpectedReply(script: name, reply: String(describing: reply))
        }
        let values = Array(elements.dropFirst())
        if raw < 0 { throw ScriptError(code: Int(raw), script: name, values: values) }
        guard let code = Code(rawValue: Int(raw)) else {
            throw ScriptError.unexpectedReply(script: name, reply: String(describing: reply))
        }
        return try outcome(of: ScriptReply(script: name, code: code, values: values))
    }
}

/// A script's own code and the values after it, read by position once, in the script's type.
public struct ScriptReply<Code: Sendable>: Sendable {
    public let script: String
    public let code: Code
    public let values: [RedisReply]

    /// The value at `index` as text ("" when absent).
    public func string(_ index: Int) -> String {
        guard values.indices.contains(index) else { return "" }
        return values[index].string ?? values[index].int.map { String($0) } ?? ""
    }

    /// The value at `index` as an integer, if it is one.
    public func int(_ index: Int) -> Int? {
        guard values.indices.contains(index) else { return nil }
        return values[index].int.map { Int($0) }
    }

    /// Every value as text.
    public var strings: [String] { values.indices.map(string) }
}
