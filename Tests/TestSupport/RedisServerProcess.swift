import Foundation
@_exported import LocalStack
import Redis

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

extension RedisCluster {
    /// A cluster of three masters with a replica each that the cluster tests share, started on first use
    /// (tests keep apart by their own hash tags, and move only slots of their own).
    public static var shared: RedisCluster {
        get throws { try sharedCluster.get() }
    }

    private static let sharedCluster = Result { try RedisCluster.start() }

    /// A hash tag (`{...}`) unique to the caller whose slot the master on `port` serves now.
    public func tag(onMaster port: Int) throws -> String {
        let master = try nodes().first { $0.port == port && $0.isMaster }
        guard let master else { throw TestSupportError("no master on \(port)") }
        while true {
            let tag = TestKeys.uniqueApp()
            if master.serves(RedisKeySlot.slot(of: "{\(tag)}")) { return tag }
        }
    }
}
