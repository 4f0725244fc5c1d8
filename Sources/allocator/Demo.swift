import AllocatorService
import ArgumentParser
import ChildProcess
import Foundation
import HTTPClient
import HTTPServer
import Allocation
import Logging
import QiscusSimulator
import Redis

/// `allocator demo`: the whole loop with nothing configured. Uses the Redis at `REDIS_URL` when one answers
/// (under its own key prefix), else starts a private redis-server; runs the Qiscus simulator and the service
/// in this process, plays customers writing (with the duplicate webhooks Qiscus really sends) and agents
/// resolving, prints live progress, and ends with a summary.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the whole allocation loop against a simulated Qiscus.")

    @Option(help: "Customers (rooms) to play.") var rooms = 60
    @Option(help: "Simulated agents.") var agents = 6
    @Option(help: "Rooms one agent may hold.") var limit = 2
    @Option(help: "Seconds over which customers arrive.") var arrivalSeconds = 15.0
    @Option(help: "Longest run before the demo stops, seconds.") var maxSeconds = 60.0

    func run() throws {
        let logger = Bootstrap.logging(level: .warning, label: "demo")
        let registry = Bootstrap.metrics()
        let (redisURL, privateRedis) = try DemoRedis.find()
        defer { privateRedis?.terminate(grace: 2) }

        let simulator = QiscusSimulator(configuration: SimulatorConfiguration(latencyMilliseconds: 15, countLagMilliseconds: 1000),
                                        agents: agents)
        let simulatorServer = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threads: 4), router: simulator.router)
        try simulatorServer.start()
        defer { simulatorServer.stop() }

        var config = try ServiceConfiguration.load(environment: [
            "REDIS_URL": redisURL, "QISCUS_BASE_URL": "http://127.0.0.1:\(simulatorServer.port)",
            "QISCUS_APP_ID": "sim-app", "QISCUS_SECRET_KEY": "sim-secret", "HTTP_HOST": "127.0.0.1", "HTTP_PORT": "0",
            "MAX_CUSTOMERS_PER_AGENT": String(limit), "WORKER_CONCURRENCY": "4", "RECONCILE_SECONDS": "2",
            "KEY_PREFIX": "demo\(UInt16.random(in: 0...UInt16.max))",
        ], dotEnv: nil)
        config.httpThreads = 4
        let service = try AllocatorService(configuration: config, registry: registry, logger: logger)
        try service.start()
        defer {
            service.stop()
            // Leave a shared Redis as it was found: the demo's keys go.
            if privateRedis == nil, let keys = try? config.keyspace {
                _ = try? RedisConnection(configuration: config.redis).send(["DEL"] + keys.all)
            }
        }
        let serviceURL = "http://127.0.0.1:\(service.port)"
        print("""
            Demo: \(rooms) customers, \(agents) agents of at most \(limit) rooms each.
            Redis \(privateRedis == nil ? "at" : "started privately at") \(redisURL) (keys under \(config.keyPrefix):)
            Qiscus simulator at http://127.0.0.1:\(simulatorServer.port), allocator at \(serviceURL)

            """)
        var play = DemoPlay(rooms: rooms, arrivalSeconds: arrivalSeconds, simulator: simulator, serviceURL: serviceURL)
        let summary = play.run(maxSeconds: maxSeconds, limit: limit)
        print(summary.text)
        if !summary.ok { throw ExitCode(1) }
    }
}

/// Finds a Redis for the demo.
enum DemoRedis {
    /// The URL of a Redis that answers, and the private server started when `REDIS_URL` did not answer.
    static func find() throws -> (String, ChildProcess?) {
        let url = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        if let configuration = try? RedisConfiguration(url: url),
           (try? RedisConnection(configuration: configuration).send(["PING"])) == .status("PONG") {
            return (url, nil)
        }
        let port = try LoopbackPort.free()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("allocator-demo-\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try ChildProcess("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "",
                                                       "--appendonly", "no", "--dir", directory.path])
        let connection = RedisConnection(configuration: RedisConfiguration(port: port, connectTimeout: 0.5))
        for _ in 0..<200 {
            if (try? connection.send(["PING"])) == .status("PONG") { return ("redis://127.0.0.1:\(port)/0", server) }
            Thread.sleep(forTimeInterval: 0.025)
        }
        server.terminate(grace: 1)
        throw ValidationError("no Redis answers at \(url), and a private redis-server did not start (run `make demo`)")
    }
}

/// A free TCP port on 127.0.0.1 (bound to 0 and released).
enum LoopbackPort {
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ValidationError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw ValidationError("no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
