import Synchronization

/// A Lua script run with `EVALSHA`. The SHA1 comes from `SCRIPT LOAD` and is cached. On a `NOSCRIPT` reply
/// (script cache lost on restart, failover or `SCRIPT FLUSH`) the call is repeated once as `EVAL` with the
/// source, which runs the script and puts it back in the server's cache in one step: unlike `SCRIPT LOAD`
/// followed by `EVALSHA`, no second flush can fall between the two, so the caller never sees `NOSCRIPT`.
public final class RedisScript: Sendable {
    public let name: String
    public let source: String
    private let sha = Mutex<String?>(nil)

    public init(name: String, source: String) {
        self.name = name
        self.source = source
    }

    /// The SHA1 Redis reported the last time this script was loaded, if any.
    public var loadedSHA: String? { sha.withLock { $0 } }

    /// Loads the script into the connected server's cache and remembers its SHA1.
    @discardableResult
    public func load(on connection: RedisConnection) throws -> String {
        guard let digest = try connection.execute(["SCRIPT", "LOAD", source]).string else {
            throw RedisError.unexpectedReply("SCRIPT LOAD of \(name) returned no SHA1")
        }
        sha.withLock { $0 = digest }
        return digest
    }

    /// Runs the script; an error reply (other than a recovered `NOSCRIPT`) is thrown as `RedisError.server`.
    public func run(on connection: RedisConnection, keys: [String], arguments: [String]) throws -> RedisReply {
        let digest = try loadedSHA ?? load(on: connection)
        var reply = try connection.send(command(digest, keys: keys, arguments: arguments))
        if Self.isNoScript(reply) { reply = try connection.send(command(nil, keys: keys, arguments: arguments)) }
        return try checked(reply)
    }

    /// Runs the script through a multiplexer (for tasks); the same `NOSCRIPT` recovery as above.
    public func run(on redis: RedisMultiplexer, keys: [String], arguments: [String]) async throws -> RedisReply {
        let digest: String
        if let loaded = loadedSHA {
            digest = loaded
        } else {
            guard let loaded = try await redis.execute(["SCRIPT", "LOAD", source]).string else {
                throw RedisError.unexpectedReply("SCRIPT LOAD of \(name) returned no SHA1")
            }
            sha.withLock { $0 = loaded }
            digest = loaded
        }
        var reply = try await redis.send(command(digest, keys: keys, arguments: arguments))
        if Self.isNoScript(reply) { reply = try await redis.send(command(nil, keys: keys, arguments: arguments)) }
        return try checked(reply)
    }

    /// `EVALSHA digest …`, or `EVAL source …` when `digest` is nil.
    private func command(_ digest: String?, keys: [String], arguments: [String]) -> [String] {
        var command = [digest == nil ? "EVAL" : "EVALSHA", digest ?? source, String(keys.count)]
        command.reserveCapacity(3 + keys.count + arguments.count)
        command += keys
        command += arguments
        return command
    }

    private static func isNoScript(_ reply: RedisReply) -> Bool {
        if case .error(let message) = reply { return message.hasPrefix("NOSCRIPT") }
        return false
    }

    private func checked(_ reply: RedisReply) throws -> RedisReply {
        if case .error(let message) = reply { throw RedisError.server("\(name).lua: \(message)") }
        return reply
    }
}
