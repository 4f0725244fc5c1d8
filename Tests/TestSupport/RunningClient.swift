import Redis
import ServiceLifecycle

/// A service run by a test outside a service group: started at once, cancelled when the handle goes away
/// (or at ``stop()``).
public final class Running<S: Service>: Sendable {
    public let service: S
    private let task: Task<Void, any Error>

    public init(_ service: S) {
        self.service = service
        task = Task { try await service.run() }
    }

    deinit { task.cancel() }

    /// Cancels the service and waits until its run ended.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

extension RedisServer {
    /// A running client of this server.
    public func client() -> Running<RedisClient> { Running(RedisClient(configuration: configuration())) }
}
