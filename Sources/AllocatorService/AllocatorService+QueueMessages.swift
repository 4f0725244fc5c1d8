import Allocation
import Logging
import Qiscus
import ServiceLifecycle

extension AllocatorService {
    /// The services of the queue messages when `QUEUE_MESSAGE` is set (none otherwise), in start order: an
    /// `HTTPMultiClient` of their own, so a bot endpoint that hangs never holds up the assign calls, and the
    /// ``QueueMessenger``. Listed after the others, they stop first at shutdown.
    static func queueMessageServices(_ configuration: ServiceConfiguration, qiscus: QiscusClient.Configuration,
                                     store: AllocationStore, hooks: TestHooks, logger: Logger) -> [(String, any Service)] {
        guard let template = configuration.queueMessage else { return [] }
        let http = QiscusClient.makeHTTPClient(for: qiscus)
        var options = QueueMessenger.Options(template: template, step: configuration.queueMessageStep,
                                             maxPerSecond: configuration.queueMessageMaxPerSecond)
        if let spacing = hooks.queueMessageSpacing { options.spacing = spacing }
        let messenger = QueueMessenger(store: store, client: QiscusClient(configuration: qiscus, http: http),
                                       options: options, logger: logger)
        return [("queue-messages-http", http), ("queue-messages", messenger)]
    }
}
