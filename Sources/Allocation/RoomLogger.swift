import Logging

/// A worker's logger and one room's metadata (room, route, agent), merged only when a line is written. Setting
/// metadata on a `Logger` makes swift-log's stream handler render it again at once: a cost per room (seen at
/// about 6% of the service's CPU in a profile) for lines that are mostly below the log level.
struct RoomLogger {
    let logger: Logger
    var metadata: Logger.Metadata

    init(_ logger: Logger, metadata: Logger.Metadata) {
        self.logger = logger
        self.metadata = metadata
    }

    subscript(metadataKey key: String) -> Logger.MetadataValue? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func debug(_ message: @autoclosure () -> Logger.Message, metadata extra: Logger.Metadata = [:]) {
        logger.debug(message(), metadata: metadata.merging(extra) { $1 })
    }

    func info(_ message: @autoclosure () -> Logger.Message, metadata extra: Logger.Metadata = [:]) {
        logger.info(message(), metadata: metadata.merging(extra) { $1 })
    }

    func notice(_ message: @autoclosure () -> Logger.Message, metadata extra: Logger.Metadata = [:]) {
        logger.notice(message(), metadata: metadata.merging(extra) { $1 })
    }

    func error(_ message: @autoclosure () -> Logger.Message, metadata extra: Logger.Metadata = [:]) {
        logger.error(message(), metadata: metadata.merging(extra) { $1 })
    }
}
