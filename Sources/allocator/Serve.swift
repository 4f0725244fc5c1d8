import AllocatorService
import ArgumentParser
import Foundation
import Logging
import Metrics
import Prometheus

/// `allocator serve`: the webhook server and the allocation workers, configured from the environment.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the webhook server and the allocation workers (configured by environment, see README).")

    func run() throws {
        let (config, hooks) = try Bootstrap.configuration { (try ServiceConfiguration.load(), try TestHooks.load()) }
        let logger = Bootstrap.logging(level: config.logLevel, label: "allocator")
        let registry = Bootstrap.metrics()
        let service = try AllocatorService(configuration: config, registry: registry, logger: logger)
        do {
            try service.start(hooks: hooks)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
        Bootstrap.waitForTermination()
        service.stop()
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

    /// Blocks until SIGTERM or SIGINT.
    static func waitForTermination() {
        let done = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        done.wait()
        sources.forEach { $0.cancel() }
    }
}
