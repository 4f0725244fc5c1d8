import Foundation
import ChildProcess
import Redis

/// A real, throw-away `redis-server` on a free loopback port, for tests, the demo, soak and bench runs.
///
/// A small watchdog shell kills the server once the process that started it is gone, so a crashed or killed
/// run leaves no server behind.
public final class RedisServer: Sendable {
    public let port: Int
    public let directory: URL
    private let server: ChildProcess
    private let watchdog: ChildProcess
    /// The redis-server process id.
    public var pid: pid_t { server.pid }

    /// Starts a new server; `arguments` are extra `redis-server` options such as `["--requirepass", "x"]`.
    /// `ownProcessGroup` keeps a Ctrl-C at the terminal from reaching it (the demo stops it after its own shutdown).
    public static func start(arguments: [String] = [], directory: URL? = nil, ownProcessGroup: Bool = false) throws -> RedisServer {
        var lastError: Error = LocalStackError("redis-server did not start")
        for _ in 0..<5 {
            do {
                return try RedisServer(port: try LoopbackPort.free(), arguments: arguments, directory: directory,
                                       ownProcessGroup: ownProcessGroup)
            } catch { lastError = error }
        }
        throw lastError
    }

    /// Starts a server on a given port (e.g. to restart one on the same port and data directory).
    public init(port: Int, arguments: [String] = [], directory: URL? = nil, ownProcessGroup: Bool = false) throws {
        self.port = port
        self.directory = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("caa-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let log = self.directory.appendingPathComponent("redis.log")
        server = try ChildProcess("redis-server",
                                  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                   "--dir", self.directory.path, "--logfile", log.path] + arguments,
                                  ownProcessGroup: ownProcessGroup)
        // Ends when the test process or the server is gone, killing the server.
        watchdog = try ChildProcess("/bin/sh", ["-c", "while kill -0 $0 2>/dev/null && kill -0 $1 2>/dev/null; do sleep 0.5; done; kill -9 $1 2>/dev/null",
                                                String(getpid()), String(server.pid)], ownProcessGroup: ownProcessGroup)

        let deadline = Date().addingTimeInterval(10)
        let probe = RedisConnection(configuration: RedisConfiguration(port: port, connectTimeout: 0.5))
        while true {
            if let reply = try? probe.send(["PING"]), reply == .status("PONG") || reply.isAuthError { return }
            if !server.isRunning || Date() > deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                stop()
                throw LocalStackError("redis-server on port \(port) did not answer: \(text.suffix(500))")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// A configuration for this server (add a password, user or database as needed).
    public func configuration(username: String? = nil, password: String? = nil, database: Int = 0) -> RedisConfiguration {
        RedisConfiguration(port: port, username: username, password: password, database: database)
    }

    /// A new connection to this server.
    public func connect() -> RedisConnection { RedisConnection(configuration: configuration()) }

    /// Whether the server process is still running.
    public var isRunning: Bool { server.isRunning }

    /// Stops the server (SIGTERM, or SIGKILL with `kill`) and waits for it to exit. Keeps the data directory
    /// when `keepData` is set, so a new server can start on it.
    public func stop(kill: Bool = false, keepData: Bool = false) {
        if kill { server.signal(SIGKILL) }
        server.terminate()
        watchdog.wait()
        if !keepData { try? FileManager.default.removeItem(at: directory) }
    }
}

extension RedisReply {
    /// `NOAUTH` / `WRONGPASS`: the server is up but wants a password.
    var isAuthError: Bool {
        if case .error(let message) = self { return message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") }
        return false
    }
}

/// A process of the local stack did not start or answer.
public struct LocalStackError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
