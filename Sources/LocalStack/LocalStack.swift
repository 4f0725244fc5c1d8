import ChildProcess
import Foundation
import HTTPClient
import QiscusSimulator

/// Real processes over loopback: a throw-away redis-server, `allocator simulate`, and any number of
/// `allocator serve` instances, each with its log in ``directory``. Used by the end-to-end tests and by
/// `allocator soak`.
public final class LocalStack: @unchecked Sendable {
    public private(set) var redis: RedisServer
    /// The `allocator` executable the processes run.
    public let allocator: String
    private let redisArguments: [String]
    public let directory: URL
    public let simulatorURL: String
    public private(set) var instanceURLs: [String] = []
    private let simulator: ChildProcess
    private var instances: [ChildProcess] = []
    private let baseEnvironment: [String: String]

    /// - Parameters:
    ///   - instances: `allocator serve` processes to start.
    ///   - simulatorArguments: extra `allocator simulate` options, e.g. `["--count-lag-ms", "2000"]`.
    ///   - environment: extra variables for every instance (e.g. `WORKER_CONCURRENCY`).
    ///   - redisArguments: extra `redis-server` options, e.g. AOF settings.
    public init(allocator: String, instances: Int, agents: Int, simulatorArguments: [String] = [],
                environment: [String: String] = [:], redisArguments: [String] = []) throws {
        self.allocator = allocator
        redis = try RedisServer.start(arguments: redisArguments)
        self.redisArguments = redisArguments
        directory = redis.directory
        let log = directory.appendingPathComponent("simulator.log")
        (simulator, simulatorURL) = try Self.listening(readyPath: "/sim/state", log: log) { [allocator] port in
            try ChildProcess(allocator, ["simulate", "--port", String(port), "--agents", String(agents)] + simulatorArguments,
                             output: log)
        }
        var env = ProcessInfo.processInfo.environment
        env["REDIS_URL"] = "redis://127.0.0.1:\(redis.port)/0"
        env["QISCUS_BASE_URL"] = simulatorURL
        env["QISCUS_APP_ID"] = "sim-app"
        env["QISCUS_SECRET_KEY"] = "sim-secret"
        env["HTTP_HOST"] = "127.0.0.1"
        env["LOG_LEVEL"] = "info"
        env.merge(environment) { $1 }
        baseEnvironment = env
        for _ in 0..<instances { try startInstance() }
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
        redis.stop(kill: true, keepData: true)
        try whileDown()
        redis = try RedisServer(port: redis.port, arguments: redisArguments, directory: redis.directory)
    }

    /// The simulator process.
    public var simulatorProcess: ChildProcess { simulator }

    /// The process of instance `index`, to signal it.
    public func instance(_ index: Int) -> ChildProcess { instances[index] }

    /// The text an instance (or "simulator") logged so far.
    public func log(_ name: String) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// Stops every process (instances first, with SIGTERM) and the redis-server.
    public func stop() {
        for process in instances { process.terminate(grace: 10) }
        simulator.terminate(grace: 2)
        redis.stop(keepData: true)
    }

    // MARK: - HTTP

    /// POSTs a JSON body and returns the response.
    public func post(_ url: String, json body: Data, client: HTTPClient = HTTPClient()) throws -> HTTPClientResponse {
        try client.perform(HTTPClientRequest(method: "POST", url: url, body: .json(body)))
    }

    /// Sets the simulator's agents (online, named `Agent <id>`) and the divisions each is in.
    public func setAgents(_ agents: [(id: Int, divisions: [Int])]) throws {
        let list = agents.map { ["id": $0.id, "name": "Agent \($0.id)", "is_available": true, "divisions": $0.divisions] as [String: Any] }
        let response = try post(simulatorURL + "/sim/agents", json: JSONSerialization.data(withJSONObject: list))
        guard response.status == 200 else { throw LocalStackError("POST /sim/agents: \(response.status) \(response.text)") }
    }

    public func get(_ url: String, client: HTTPClient = HTTPClient()) throws -> HTTPClientResponse {
        try client.perform(HTTPClientRequest(url: url))
    }

    /// The simulator's record.
    public func simulatorReport(client: HTTPClient = HTTPClient()) throws -> SimulatorReport {
        try JSONDecoder().decode(SimulatorReport.self, from: get(simulatorURL + "/sim/state", client: client).body)
    }

    /// The simulator's counters (cheap to poll).
    public func simulatorStats(client: HTTPClient = HTTPClient()) throws -> SimulatorStats {
        try JSONDecoder().decode(SimulatorStats.self, from: get(simulatorURL + "/sim/stats", client: client).body)
    }

    /// Every bot message the simulator took (the queue messages), in order.
    public func simulatorMessages(client: HTTPClient = HTTPClient()) throws -> [BotMessageRecord] {
        try JSONDecoder().decode([String: [BotMessageRecord]].self, from: get(simulatorURL + "/sim/messages", client: client).body)["messages"] ?? []
    }

    /// The allocation webhook body the simulator builds for a customer message in `room`, from `channel` (or
    /// just `source`) when given; without either, the room's earlier channel (see
    /// `QiscusSimulator.allocationWebhook(room:source:channel:)`).
    public func customerMessage(room: String, source: String? = nil, channel: SimulatedChannel? = nil,
                                client: HTTPClient = HTTPClient()) throws -> Data {
        var body: [String: Any] = ["room_id": room]
        if let source { body["source"] = source }
        if let channel { body["channel"] = ["id": channel.id, "name": channel.name, "source": channel.source] }
        return try post(simulatorURL + "/sim/message", json: JSONSerialization.data(withJSONObject: body),
                        client: client).body
    }

    /// Resolves `room` in the simulator and returns the resolve webhook body, or nil when it had no service.
    public func resolveInSimulator(room: String, client: HTTPClient = HTTPClient()) throws -> Data? {
        let response = try post(simulatorURL + "/sim/resolve", json: Data("{\"room_id\":\"\(room)\"}".utf8), client: client)
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
