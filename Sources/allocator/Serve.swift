import AllocatorService
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus

/// `allocator serve`: the webhook server and the allocation workers, configured from the environment; runs
/// until SIGTERM or SIGINT and a graceful shutdown (see `AllocatorService`).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook server and the allocation workers (configured by environment, see README).")

    @Option(help: "Serve only this app of TENANTS_FILE (repeat for more; default: every app of the file). Without a tenants file: the app id, over QISCUS_APP_ID.")
    var app: [String] = []

    func run() async throws {
        let (config, hooks) = try await Bootstrap.configuration {
            (try await ServiceConfiguration.load(apps: app), try TestHooks.load())
        }
        let logger = Bootstrap.logging(level: config.logLevel, label: "allocator")
        let registry = Bootstrap.metrics()
        let service = try AllocatorService(configuration: config, registry: registry, logger: logger, hooks: hooks)
        do {
            try await service.run()
        } catch {
            logger.critical("stopped on an error", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}

/// Process-wide set-up shared by the commands.
enum Bootstrap {
    /// swift-log to stderr at `level`.
    static func logging(level: Logger.Level, label: String) -> Logger {
        LoggingSystem.bootstrap { name in
            var handler = StreamLogHandler.standardError(label: name)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// swift-metrics into a Prometheus registry, for `/metrics`.
    static func metrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }
}
