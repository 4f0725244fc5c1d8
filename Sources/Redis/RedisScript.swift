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
        let command = ["EVALSHA", digest, String(keys.count)] + keys + arguments
        var reply = try connection.send(command)
        if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
            var retry = command
            retry[0] = "EVAL"
            retry[1] = source
            reply = try connection.send(retry)
        }
        if case .error(let message) = reply { throw RedisError.server("\(name).lua: \(message)") }
        return reply
    }
}
