import ArgumentParser
import Logging
import ServiceLifecycle
import Foundation
import HTTPServer
import QiscusSimulator

/// `allocator simulate`: the Qiscus Omnichannel simulator on its own.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Qiscus Omnichannel API simulator (for tests, the demo, or trying the service without Qiscus).")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: UInt16 = 9090
    @Option(help: "Online agents to start with (ids 150001, 150002, ...).") var agents = 20
    @Option(name: [.customLong("app-id"), .customLong("app")], help: "App id the API expects in Qiscus-App-Id.")
    var appID = "sim-app"
    @Option(help: "Secret the API expects in Qiscus-Secret-Key.") var secretKey = "sim-secret"
    @Option(help: "Latency added to every API answer, ms.") var latencyMs = 0
    @Option(help: "Server threads, each serving many connections; 0 (the default) gives every connection its own thread, so injected latency and hangs delay only their own request.")
    var threads = 0
    @Option(help: "How far current_customer_count lags assignments, ms.") var countLagMs = 0
    @Option(help: "Share of API calls answered 429 (Retry-After: 1).") var rateLimitRate = 0.0
    @Option(help: "Share of API calls answered 500.") var serverErrorRate = 0.0
    @Option(help: "Share of API calls that hang for --hang-ms.") var hangRate = 0.0
    @Option(help: "How long a hanging call hangs, ms.") var hangMs = 10_000
    @Option(help: "Fault of the bot endpoint (queue messages) only: none, error (500) or hang (--hang-ms, then 504).")
    var botFault = "none"
    @Option(help: "Where POST /sim/message forwards allocation webhooks (the service's /webhooks/allocate).")
    var allocateWebhookURL: String?
    @Option(help: "Where POST /sim/resolve forwards resolve webhooks (the service's /webhooks/resolve).")
    var resolveWebhookURL: String?

    func validate() throws {
        guard SimulatorConfiguration.BotFault(rawValue: botFault) != nil else {
            throw ValidationError("--bot-fault must be none, error or hang")
        }
    }

    func run() async throws {
        let simulator = QiscusSimulator(
            configuration: SimulatorConfiguration(
                appID: appID, secretKey: secretKey, latencyMilliseconds: latencyMs, rateLimitRate: rateLimitRate,
                serverErrorRate: serverErrorRate, hangRate: hangRate, hangMilliseconds: hangMs,
                countLagMilliseconds: countLagMs, botFault: SimulatorConfiguration.BotFault(rawValue: botFault) ?? .none),
            agents: agents, allocateWebhookURL: allocateWebhookURL, resolveWebhookURL: resolveWebhookURL)
        let server = HTTPServer(configuration: .init(host: host, port: port, threads: threads), router: simulator.router)
        try server.start() // bound now, so the line below names the port; run() keeps it until SIGTERM or SIGINT
        Console.line("Qiscus simulator on http://\(host):\(server.port) (app id \(appID), \(agents) agents)")
        let group = ServiceGroup(configuration: .init(services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: Logger(label: "simulator")))
        try await group.run()
    }
}
