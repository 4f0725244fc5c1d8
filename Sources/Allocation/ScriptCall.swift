import Redis

/// One call of a Lua script (script, keys, arguments), run on a connection or through a multiplexer, with
/// its `{code, values...}` answer decoded the same way either way.
struct ScriptCall<Code: ScriptCode>: Sendable {
    let script: RedisScript
    let keys: [String]
    let arguments: [String]

    func run(on connection: RedisConnection) throws -> ScriptResult<Code> {
        try decode(script.run(on: connection, keys: keys, arguments: arguments))
    }

    func run(on redis: RedisMultiplexer) async throws -> ScriptResult<Code> {
        try decode(await script.run(on: redis, keys: keys, arguments: arguments))
    }

    /// Decodes `{code, values...}`; code -1 is thrown as `invalidArgument`.
    private func decode(_ reply: RedisReply) throws -> ScriptResult<Code> {
        guard let elements = reply.array, let raw = elements.first?.int, let code = Code(rawValue: Int(raw)) else {
            throw AllocationError.unexpectedReply(script: script.name, reply: String(describing: reply))
        }
        let values = elements.dropFirst().map { $0.string ?? $0.int.map { String($0) } ?? "" }
        if raw == -1 {
            throw AllocationError.invalidArgument(script: script.name, message: values.first ?? "")
        }
        return ScriptResult(code: code, values: values)
    }
}
