import AllocatorService
import ArgumentParser
import LocalStack
import Foundation
import HTTPClient
import HTTPServer
import Allocation
import Logging
import QiscusSimulator
import Redis
import UnixSignals

/// `allocator demo`: the whole loop with nothing configured. Uses the Redis at `REDIS_URL` when one answers
/// (under its own key prefix), else starts a private redis-server; runs the Qiscus simulator and the service
/// in this process with two routes (WhatsApp Sales to the Sales division, Instagram to Support, web chat to
/// every agent; one agent in both divisions), plays customers writing (with the duplicate webhooks Qiscus
/// really sends) and agents resolving, prints live progress, and ends with a summary.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the whole allocation loop against a simulated Qiscus.")

    @Option(help: "Customers (rooms) to play.") var rooms = 60
    @Option(help: "Simulated agents.") var agents = 6
    @Option(help: "Rooms one agent may hold.") var limit = 2
    @Option(help: "Seconds over which customers arrive.") var arrivalSeconds = 15.0
    @Option(help: "Longest run before the demo stops, seconds.") var maxSeconds = 60.0
    @Option(help: "Port of the allocator (its webhooks and dashboard); 0: any free port.") var port = 0
    @Flag(help: "After the summary, keep the customers coming and the dashboard live until Ctrl-C or SIGTERM (without it, an interactive terminal keeps them until Enter).")
    var keepRunning = false

    func run() async throws {
        let logger = Bootstrap.logging(level: .warning, label: "demo")
        let registry = Bootstrap.metrics()
        // SIGINT/SIGTERM end the play from the start, so the shutdown below always runs (and stops a private Redis).
        let stop = DemoStop()
        let signals = Task {
            for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
                stop.set()
                return
            }
        }
        defer { signals.cancel() }
        let (redisURL, privateRedis) = try DemoRedis.find()
        let adminToken = Self.randomToken()
        defer { privateRedis?.stop() }

        let simulator = QiscusSimulator(configuration: SimulatorConfiguration(latencyMilliseconds: 15, countLagMilliseconds: 1000),
                                        agents: agents)
        let simulatorServer = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threads: 4), router: simulator.router)
        try simulatorServer.start()
        defer { simulatorServer.stop() }
        try DemoRoutes.configure(simulatorURL: "http://127.0.0.1:\(simulatorServer.port)", agents: agents)
        let routesFile = try DemoRoutes.writeFile()
        defer { try? FileManager.default.removeItem(atPath: (routesFile as NSString).deletingLastPathComponent) }

        var config = try await ServiceConfiguration.load(environment: [
            "REDIS_URL": redisURL, "QISCUS_BASE_URL": "http://127.0.0.1:\(simulatorServer.port)",
            "QISCUS_APP_ID": "sim-app", "QISCUS_SECRET_KEY": "sim-secret", "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": String(port == 0 ? try LoopbackPort.free() : port), "SHUTDOWN_DRAIN_SECONDS": "0",
            "ADMIN_TOKEN": adminToken,
            "MAX_CUSTOMERS_PER_AGENT": String(limit), "WORKER_CONCURRENCY": "4", "RECONCILE_SECONDS": "2",
            "KEY_PREFIX": "demo\(UInt16.random(in: 0...UInt16.max))", "ROUTES_FILE": routesFile,
            "QUEUE_MESSAGE": DemoPlay.queueMessage,
        ], dotEnv: nil)
        config.httpThreads = 4
        let service = try AllocatorService(configuration: config, registry: registry, logger: logger, signals: [])
        let running = Task { try await service.run() }
        defer {
            // Leave a shared Redis as it was found: the demo's keys go.
            if privateRedis == nil, let keys = try? config.keyspace {
                _ = try? RedisConnection(configuration: config.redis).send(["DEL"] + keys.all(routes: config.routes.names))
            }
        }
        let serviceURL = "http://127.0.0.1:\(config.httpPort)"
        Console.line("""
            Demo: \(rooms) customers, \(agents) agents of at most \(limit) rooms each, over two routes:
              sales    WhatsApp Sales (channel 12) -> Sales division: agents 1, 2 and 5
              support  Instagram (source ig)       -> Support division: agents 3, 4 and 5
              default  web chat                    -> every online agent
              Agent 5 is in both divisions: one load and one limit over both routes.
            Redis \(privateRedis == nil ? "at" : "started privately at") \(redisURL) (keys under \(config.keyPrefix):)
            Qiscus simulator at http://127.0.0.1:\(simulatorServer.port), allocator at \(serviceURL)
            Dashboard: \(serviceURL)/dashboard  (admin token: \(adminToken))

            """)
        let play = DemoPlay(rooms: rooms, arrivalSeconds: arrivalSeconds, simulator: simulator, serviceURL: serviceURL)
        // The play paces itself with sleeps on a thread of its own, away from the service's tasks.
        let summary = await withCheckedContinuation { (done: CheckedContinuation<DemoPlay.Summary, Never>) in
            Thread { [limit, maxSeconds] in
                var play = play
                done.resume(returning: play.run(maxSeconds: maxSeconds, limit: limit) { stop.isSet })
            }.start()
        }
        Console.line(summary.text)
        if !stop.isSet, keepRunning || isatty(STDIN_FILENO) == 1 {
            await playOn(play: play, dashboard: "\(serviceURL)/dashboard", adminToken: adminToken, stop: stop)
        }
        await service.triggerGracefulShutdown()
        try await running.value
        if !summary.ok { throw ExitCode(1) }
    }

    /// A random admin token for the demo's dashboard.
    private static func randomToken() -> String {
        String((0..<24).map { _ in "abcdefghijkmnpqrstuvwxyz23456789".randomElement()! })
    }

    /// Keeps the simulated day going (the same customers come back, round after round) until Enter, or with
    /// `--keep-running` until SIGINT/SIGTERM (`stop`), so the dashboard has something to show.
    private func playOn(play: DemoPlay, dashboard: String, adminToken: String, stop: DemoStop) async {
        Console.line("""

            The service stays up: customers keep coming. Dashboard: \(dashboard)  (admin token: \(adminToken))
            \(keepRunning ? "Stop with Ctrl-C." : "Press Enter to stop.")
            """)
        if !keepRunning {
            Thread {
                _ = readLine()
                stop.set()
            }.start()
        }
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread { [limit, maxSeconds] in
                var round = 1
                while !stop.isSet {
                    round += 1
                    var next = DemoPlay(rooms: play.rooms.count, arrivalSeconds: play.arrivalSeconds, simulator: play.simulator,
                                        serviceURL: play.serviceURL)
                    let summary = next.run(maxSeconds: maxSeconds, limit: limit, quiet: true) { stop.isSet }
                    let outcome = stop.isSet ? "stopped" : summary.ok ? "every customer served" : "a problem: see the dashboard"
                    Console.line("round \(round): \(outcome)")
                }
                done.resume()
            }.start()
        }
    }
}

/// Finds a Redis for the demo.
enum DemoRedis {
    /// The URL of a Redis that answers, and the private server started when `REDIS_URL` did not answer.
    static func find() throws -> (String, RedisServer?) {
        let url = ProcessInfo.processInfo.environment["REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        if let configuration = try? RedisConfiguration(url: url),
           (try? RedisConnection(configuration: configuration).send(["PING"])) == .status("PONG") {
            return (url, nil)
        }
        do {
            let server = try RedisServer.start(ownProcessGroup: true)
            return ("redis://127.0.0.1:\(server.port)/0", server)
        } catch {
            throw ValidationError("no Redis answers at \(url), and a private redis-server did not start: \(error) (run `make demo`)")
        }
    }
}
