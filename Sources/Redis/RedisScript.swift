import Synchronization

/// A Lua script run by a ``RedisClient`` with `EVALSHA`. Until its SHA1 is known, the first run sends
/// `SCRIPT LOAD` and `EVAL` in one pipeline and remembers the SHA1 from the first reply. On a `NOSCRIPT`
/// reply the client repeats the call as `EVAL` with the source, which runs the script and puts it back in the
/// server's cache in one step: unlike `SCRIPT LOAD` followed by `EVALSHA`, no second flush can fall between the
/// two, so the caller never sees `NOSCRIPT`.
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

    /// Loads the script into the server's cache and remembers its SHA1.
    @discardableResult
    /// - Parameter key: on a Redis Cluster, the script is loaded on the master of this key's slot (nil: that of
    ///   the client's last keyed call); a master without it gets it through the `EVAL` fallback anyway.
    public func load(on client: RedisClient, near key: String? = nil) async throws -> String {
        let command = ["SCRIPT", "LOAD", source]
        let reply = if let key { try await client.execute(command, atSlotOf: key) } else { try await client.execute(command) }
        guard let digest = reply.string else {
            throw RedisError.unexpectedReply("SCRIPT LOAD of \(name) returned no SHA1")
        }
        sha.withLock { $0 = digest }
        return digest
    }

    /// The commands of one run: `EVALSHA` with its `EVAL` fallback, or `SCRIPT LOAD` + `EVAL` while the SHA1 is
    /// unknown.
    func commands(keys: [String], arguments: [String]) -> (commands: [[String]], fallback: [String]?) {
        guard let digest = loadedSHA else {
            return ([["SCRIPT", "LOAD", source], command("EVAL", source, keys, arguments)], nil)
        }
        return ([command("EVALSHA", digest, keys, arguments)], command("EVAL", source, keys, arguments))
    }

    /// The script's reply among the replies of ``commands(keys:arguments:)``; an error reply is thrown as
    /// `RedisError.server` naming the script.
    func result(of replies: [RedisReply]) throws -> RedisReply {
        if replies.count == 2, let digest = replies[0].string { sha.withLock { $0 = digest } }
        guard let reply = replies.last else { throw RedisError.unexpectedReply("no reply to \(name).lua") }
        if case .error(let message) = reply { throw RedisError.server("\(name).lua: \(message)") }
        return reply
    }

    private func command(_ verb: String, _ script: String, _ keys: [String], _ arguments: [String]) -> [String] {
        var command = [verb, script, String(keys.count)]
        command.reserveCapacity(3 + keys.count + arguments.count)
        command += keys
        command += arguments
        return command
    }
}
