import Foundation
import ChildProcess
import Redis

/// A real, throw-away `redis-server` on a free loopback port, for tests.
///
/// A small watchdog shell kills the server once the test process is gone, so a crashed or killed test run
/// leaves no server behind. ``shared`` is one server for the whole test run; tests keep apart by using
/// their own key prefix (``TestKeys``).
public final class RedisServerProcess: Sendable {
    public let port: Int
    public let directory: URL
    private let server: ChildProcess
    private let watchdog: ChildProcess

    /// The server every test shares, started on first use.
    public static var shared: RedisServerProcess {
        get throws { try sharedServer.get() }
    }

    private static let sharedServer = Result { try RedisServerProcess.start() }

    /// Starts a new server; `arguments` are extra `redis-server` options such as `["--requirepass", "x"]`.
    public static func start(arguments: [String] = [], directory: URL? = nil) throws -> RedisServerProcess {
        var lastError: Error = TestSupportError("redis-server did not start")
        for _ in 0..<5 {
            do {
                return try RedisServerProcess(port: try freePort(), arguments: arguments, directory: directory)
            } catch { lastError = error }
        }
        throw lastError
    }

    /// Starts a server on a given port (e.g. to restart one on the same port and data directory).
    public init(port: Int, arguments: [String] = [], directory: URL? = nil) throws {
        self.port = port
        self.directory = directory ?? FileManager.default.temporaryDirectory
            .appendingPathComponent("caa-redis-\(port)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let log = self.directory.appendingPathComponent("redis.log")
        server = try ChildProcess("redis-server",
                                  ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                   "--dir", self.directory.path, "--logfile", log.path] + arguments)
        // Ends when the test process or the server is gone, killing the server.
        watchdog = try ChildProcess("/bin/sh", ["-c", "while kill -0 $0 2>/dev/null && kill -0 $1 2>/dev/null; do sleep 0.5; done; kill -9 $1 2>/dev/null",
                                                String(getpid()), String(server.pid)])

        let deadline = Date().addingTimeInterval(10)
        let probe = RedisConnection(configuration: RedisConfiguration(port: port, connectTimeout: 0.5))
        while true {
            if let reply = try? probe.send(["PING"]), reply == .status("PONG") || reply.isAuthError { return }
            if !server.isRunning || Date() > deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                stop()
                throw TestSupportError("redis-server on port \(port) did not answer: \(text.suffix(500))")
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

    /// A port nothing listens on right now (bound to 0 and released).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestSupportError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension RedisReply {
    /// `NOAUTH` / `WRONGPASS`: the server is up but wants a password.
    var isAuthError: Bool {
        if case .error(let message) = self { return message.hasPrefix("NOAUTH") || message.hasPrefix("WRONGPASS") }
        return false
    }
}

/// A failure of the test fixtures themselves.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
