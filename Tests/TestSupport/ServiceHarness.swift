import Foundation
import LocalStack

/// The end-to-end tests' name for the local stack of real processes.
public typealias ServiceHarness = LocalStack

extension LocalStack {
    /// A stack running the `allocator` built next to the test bundle.
    public convenience init(instances: Int, agents: Int, simulatorArguments: [String] = [],
                            environment: [String: String] = [:], redisArguments: [String] = [], redisURL: String? = nil) throws {
        try self.init(allocator: try Self.allocatorBinary(), instances: instances, agents: agents,
                      simulatorArguments: simulatorArguments, environment: environment, redisArguments: redisArguments,
                      redisURL: redisURL)
    }

    /// A stack of several apps, each with its own simulator, served through a tenants file.
    public convenience init(instances: Int, apps: [LocalStackApp], environment: [String: String] = [:],
                            redisArguments: [String] = [], redisURL: String? = nil) throws {
        try self.init(allocator: try Self.allocatorBinary(), instances: instances, apps: apps, environment: environment,
                      redisArguments: redisArguments, redisURL: redisURL)
    }

    /// `allocator`, built next to the test bundle by `swift build --build-tests`.
    public static func allocatorBinary() throws -> String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("allocator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        throw TestSupportError("the allocator binary was not found next to \(bundle.path); run `make test`")
    }
}
