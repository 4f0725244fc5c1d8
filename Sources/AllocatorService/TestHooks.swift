import Allocation
import Foundation

/// Hooks for the crash tests, never for production, and not part of the configuration (README's table):
/// `ALLOCATOR_CRASH_AT=<step>` makes `allocator serve` kill itself with SIGKILL at that step of the first
/// allocation that reaches it, as `kill -9` would. Read from the process environment only when set.
public struct TestHooks: Sendable, Equatable {
    /// The worker step at which the process kills itself.
    public var crashAt: WorkerStep?

    public init(crashAt: WorkerStep? = nil) {
        self.crashAt = crashAt
    }

    /// Throws a ``ConfigurationError`` for a step that does not exist.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TestHooks {
        guard let step = environment["ALLOCATOR_CRASH_AT"], !step.isEmpty else { return TestHooks() }
        guard let parsed = WorkerStep(rawValue: step) else {
            let steps = WorkerStep.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: "ALLOCATOR_CRASH_AT", problem: "must be one of \(steps)")
        }
        return TestHooks(crashAt: parsed)
    }
}
