import ChildProcess
import Foundation
import HTTPClient
import QiscusSimulator

/// Real processes over loopback: a throw-away redis-server (or an external Redis), `allocator simulate`, and any
/// number of `allocator serve` instances, each with its log in ``directory``. Used by the end-to-end tests and by
/// `allocator soak`. A stack of one app configures its instances with `QISCUS_APP_ID`; a stack of several apps
/// (``init(allocator:instances:apps:environment:redisArguments:redisURL:)``) runs one simulator per app and gives
/// its instances a `TENANTS_FILE` naming every app.
public final class LocalStack: @unchecked Sendable {
    private var ownRedis: RedisServer?
    /// The `allocator` executable the processes run.
    public let allocator: String
    private let redisArguments: [String]
    public let directory: URL
    /// The Redis the instances use (`REDIS_URL`).
    public let redisURL: String
    /// The first app's simulator (the only one of a single-app stack).
    public let simulatorURL: String
    /// The apps, in order (one, `sim-app`, for a single-app stack).
    public let apps: [LocalStackApp]
    /// The tenants file the instances read, for a stack of several apps (nil for a single-app stack).
    public let tenantsFile: URL?
    public private(set) var instanceURLs: [String] = []
    private let simulators: [(app: String, process: ChildProcess, url: String)]
    private var instances: [ChildProcess] = []
    private let baseEnvironment: [String: String]

    /// A stack of one app, `sim-app`.
    /// - Parameters:
    ///   - instances: `allocator serve` processes to start.
    ///   - simulatorArguments: extra `allocator simulate` options, e.g. `["--count-lag-ms", "2000"]`.
    ///   - environment: extra variables for every instance (e.g. `WORKER_CONCURRENCY`).
    ///   - redisArguments: extra `redis-server` options, e.g. AOF settings.
    ///   - redisURL: an external Redis (e.g. a cluster) for the instances instead of a redis-server of the stack's own.
    public convenience init(allocator: String, instances: Int, agents: Int, simulatorArguments: [String] = [],
                            environment: [String: String] = [:], redisArguments: [String] = [], redisURL: String? = nil) throws {
        let app = LocalStackApp("sim-app", agents: agents, simulatorArguments: simulatorArguments, secretKey: "sim-secret")
        try self.init(allocator: allocator, instances: instances, apps: [app], tenants: false, environment: environment,
                      redisArguments: redisArguments, redisURL: redisURL)
    }

    /// A stack of several apps: one `allocator simulate` per app (`--app-id`, `--secret-key`, its agents and
    /// options), a tenants file `tenants.json` in ``directory`` whose entries point at them, and instances started
    /// with `TENANTS_FILE` and without `QISCUS_APP_ID`, `QISCUS_SECRET_KEY` and `QISCUS_BASE_URL`.
    public convenience init(allocator: String, instances: Int, apps: [LocalStackApp], environment: [String: String] = [:],
                            redisArguments: [String] = [], redisURL: String? = nil) throws {
        try self.init(allocator: allocator, instances: instances, apps: apps, tenants: true, environment: environment,
                      redisArguments: redisArguments, redisURL: redisURL)
    }

    private init(allocator: String, instances: Int, apps: [LocalStackApp], tenants: Bool, environment: [String: String],
                 redisArguments: [String], redisURL: String?) throws {
        precondition(!apps.isEmpty, "a stack needs an app")
        self.allocator = allocator
        self.redisArguments = redisArguments
        self.apps = apps
        if let redisURL {
            self.redisURL = redisURL
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("caa-stack-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } else {
            let redis = try RedisServer.start(arguments: redisArguments)
            ownRedis = redis
            self.redisURL = "redis://127.0.0.1:\(redis.port)/0"
            directory = redis.directory
        }
        var simulators: [(app: String, process: ChildProcess, url: String)] = []
        do {
            for app in apps {
                let log = directory.appendingPathComponent(tenants ? "simulator-\(app.id).log" : "simulator.log")
                let (process, url) = try Self.listening(readyPath: "/sim/state", log: log) { [allocator] port in
                    try ChildProcess(allocator, ["simulate", "--port", String(port), "--agents", String(app.agents),
                                                 "--app-id", app.id, "--secret-key", app.secretKey] + app.simulatorArguments,
                                     output: log)
                }
                simulators.append((app.id, process, url))
            }
        } catch {
            for simulator in simulators { simulator.process.terminate(grace: 2) }
            ownRedis?.stop(keepData: true)
            throw error
        }
        self.simulators = simulators
        simulatorURL = simulators[0].url
        var env = ProcessInfo.processInfo.environment
        env["REDIS_URL"] = self.redisURL
        env["HTTP_HOST"] = "127.0.0.1"
        env["LOG_LEVEL"] = "info"
        if tenants {
            let file = directory.appendingPathComponent("tenants.json")
            let entries = zip(apps, simulators).map { app, simulator in
                app.fields.merging(["app_id": app.id, "secret_key": app.secretKey, "base_url": simulator.url]) { $1 }
            }
            try JSONSerialization.data(withJSONObject: ["apps": entries], options: [.prettyPrinted, .sortedKeys]).write(to: file)
            tenantsFile = file
            env["TENANTS_FILE"] = file.path
            for name in ["QISCUS_APP_ID", "QISCUS_SECRET_KEY", "QISCUS_BASE_URL", "ROUTES_FILE"] { env[name] = nil }
        } else {
            tenantsFile = nil
            env["QISCUS_BASE_URL"] = simulatorURL
            env["QISCUS_APP_ID"] = apps[0].id
            env["QISCUS_SECRET_KEY"] = apps[0].secretKey
        }
        env.merge(environment) { $1 }
        baseEnvironment = env
        for _ in 0..<instances { try startInstance() }
    }

    /// The stack's own redis-server; a stack on an external `redisURL` has none (asking for it is a mistake).
    public var redis: RedisServer {
        guard let ownRedis else { preconditionFailure("this stack runs on an external Redis (\(redisURL))") }
        return ownRedis
    }

    deinit { stop() }

    /// Starts one more `allocator serve`; returns its index. Waits for `/readyz` unless `waitUntilReady` is
    /// false (for an instance expected to die at once).
    @discardableResult
    public func startInstance(environment: [String: String] = [:], waitUntilReady: Bool = true) throws -> Int {
        let index = instances.count
        let log = directory.appendingPathComponent("instance-\(index).log")
        let (process, url) = try Self.listening(readyPath: waitUntilReady ? "/readyz" : nil, log: log) { port in
            var env = baseEnvironment
            env["HTTP_PORT"] = String(port)
            env.merge(environment) { $1 }
            return try ChildProcess(allocator, ["serve"], environment: env, output: log)
        }
        instances.append(process)
        instanceURLs.append(url)
        return index
    }

    /// Starts a process listening on a free loopback port (`start` gets the port) and waits until `readyPath`
    /// answers 200 (unless nil). A free port can be taken by another process before the child binds it: then
    /// (its log says "cannot listen") another port is tried, three times in all. Returns the process and its URL.
    private static func listening(readyPath: String?, log: URL,
                                  _ start: (Int) throws -> ChildProcess) throws -> (ChildProcess, String) {
        var attempt = 0
        while true {
            attempt += 1
            let port = try LoopbackPort.free()
            let process = try start(port)
            let url = "http://127.0.0.1:\(port)"
            let text = { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
            do {
                if let readyPath { try waitUntilAnswering(url + readyPath, process: process, log: text) }
                return (process, url)
            } catch where attempt < 3 && text().contains("cannot listen") {
                process.terminate(grace: 1)
            } catch {
                process.terminate(grace: 1)
                throw error
            }
        }
    }

    /// Kills redis-server (`kill -9`), runs `whileDown`, and starts it again on the same port and data
    /// directory (so with AOF it comes back with its data).
    public func restartRedis(whileDown: () throws -> Void = {}) throws {
        let old = redis
        old.stop(kill: true, keepData: true)
        try whileDown()
        ownRedis = try RedisServer(port: old.port, arguments: redisArguments, directory: old.directory)
    }

    /// The first app's simulator process.
    public var simulatorProcess: ChildProcess { simulators[0].process }

    /// The URL of `app`'s simulator (the first app's when nil).
    public func simulatorURL(app: String?) -> String { simulator(app).url }

    private func simulator(_ app: String?) -> (app: String, process: ChildProcess, url: String) {
        guard let app else { return simulators[0] }
        guard let simulator = simulators.first(where: { $0.app == app }) else {
            preconditionFailure("the stack has no app \(app) (apps: \(apps.map(\.id)))")
        }
        return simulator
    }

    /// The process of instance `index`, to signal it.
    public func instance(_ index: Int) -> ChildProcess { instances[index] }

    /// The text an instance (`instance-<index>`) or a simulator (`simulator`, or `simulator-<app id>` in a stack
    /// of several apps) logged so far.
    public func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// Stops every process (instances first, with SIGTERM) and the stack's own redis-server.
    public func stop() {
        for process in instances { process.terminate(grace: 10) }
        for simulator in simulators { simulator.process.terminate(grace: 2) }
        ownRedis?.stop(keepData: true)
    }

    // MARK: - HTTP

    /// POSTs a JSON body and returns the response.
    public func post(_ url: String, json body: Data, client: HTTPClient = HTTPClient()) throws -> HTTPClientResponse {
        try client.perform(HTTPClientRequest(method: "POST", url: url, body: .json(body)))
    }

    /// Sets the simulator's agents (online, named `Agent <id>`) and the divisions each is in (of `app`'s
    /// simulator; the first app's when nil, as in every helper below).
    public func setAgents(_ agents: [(id: Int, divisions: [Int])], app: String? = nil) throws {
        let list = agents.map { ["id": $0.id, "name": "Agent \($0.id)", "is_available": true, "divisions": $0.divisions] as [String: Any] }
        let response = try post(simulatorURL(app: app) + "/sim/agents", json: JSONSerialization.data(withJSONObject: list))
        guard response.status == 200 else { throw LocalStackError("POST /sim/agents: \(response.status) \(response.text)") }
    }

    public func get(_ url: String, client: HTTPClient = HTTPClient()) throws -> HTTPClientResponse {
        try client.perform(HTTPClientRequest(url: url))
    }

    /// The simulator's record.
    public func simulatorReport(app: String? = nil, client: HTTPClient = HTTPClient()) throws -> SimulatorReport {
        try JSONDecoder().decode(SimulatorReport.self, from: get(simulatorURL(app: app) + "/sim/state", client: client).body)
    }

    /// The simulator's counters (cheap to poll).
    public func simulatorStats(app: String? = nil, client: HTTPClient = HTTPClient()) throws -> SimulatorStats {
        try JSONDecoder().decode(SimulatorStats.self, from: get(simulatorURL(app: app) + "/sim/stats", client: client).body)
    }

    /// Every bot message the simulator took (the queue messages), in order.
    public func simulatorMessages(app: String? = nil, client: HTTPClient = HTTPClient()) throws -> [BotMessageRecord] {
        try JSONDecoder().decode([String: [BotMessageRecord]].self,
                                 from: get(simulatorURL(app: app) + "/sim/messages", client: client).body)["messages"] ?? []
    }

    /// The allocation webhook body the simulator builds for a customer message in `room`, from `channel` (or
    /// just `source`) when given; without either, the room's earlier channel (see
    /// `QiscusSimulator.allocationWebhook(room:source:channel:)`).
    public func customerMessage(app: String? = nil, room: String, source: String? = nil, channel: SimulatedChannel? = nil,
                                client: HTTPClient = HTTPClient()) throws -> Data {
        var body: [String: Any] = ["room_id": room]
        if let source { body["source"] = source }
        if let channel { body["channel"] = ["id": channel.id, "name": channel.name, "source": channel.source] }
        return try post(simulatorURL(app: app) + "/sim/message", json: JSONSerialization.data(withJSONObject: body),
                        client: client).body
    }

    /// Resolves `room` in the simulator and returns the resolve webhook body, or nil when it had no service.
    public func resolveInSimulator(app: String? = nil, room: String, client: HTTPClient = HTTPClient()) throws -> Data? {
        let response = try post(simulatorURL(app: app) + "/sim/resolve", json: Data("{\"room_id\":\"\(room)\"}".utf8), client: client)
        return response.status == 200 ? response.body : nil
    }

    /// Polls `url` until it answers 200, the process exits, or 15 s pass.
    private static func waitUntilAnswering(_ url: String, process: ChildProcess, log: () -> String) throws {
        let client = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 1))
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let response = try? client.perform(HTTPClientRequest(url: url)), response.status == 200 { return }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw LocalStackError("\(url) did not answer; log: \(log().suffix(800))")
    }
}
