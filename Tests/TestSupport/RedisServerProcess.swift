import Foundation
@_exported import LocalStack

/// The tests' name for a throw-away redis-server.
public typealias RedisServerProcess = RedisServer

extension RedisServer {
    /// The server every test shares, started on first use; tests keep apart by their own key prefix
    /// (``TestKeys``).
    public static var shared: RedisServer {
        get throws { try sharedServer.get() }
    }

    private static let sharedServer = Result { try RedisServer.start() }

    /// A port nothing listens on right now.
    public static func freePort() throws -> Int { try LoopbackPort.free() }
}

/// A failure of the test fixtures themselves.
public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
