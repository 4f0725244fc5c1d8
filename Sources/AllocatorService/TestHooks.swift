import Allocation
import Foundation

/// Hooks for the crash tests, never for production, and not part of the configuration (README's table):
/// `ALLOCATOR_CRASH_AT=<step>` makes `allocator serve` kill itself with SIGKILL at that step of the first
/// allocation that reaches it, as `kill -9` would; `ALLOCATOR_QUEUE_MESSAGE_SPACING_MS=<ms>` replaces the 30 s
/// between two queue messages of one room (the queue message tests). Read from the process environment only
/// when set.
public struct TestHooks: Sendable, Equatable {
    /// The worker step at which the process kills itself.
    public var crashAt: WorkerStep?
    /// The least time between two queue messages of one room, instead of 30 s.
    public var queueMessageSpacing: Duration?

    public init(crashAt: WorkerStep? = nil, queueMessageSpacing: Duration? = nil) {
        self.crashAt = crashAt
        self.queueMessageSpacing = queueMessageSpacing
    }

    /// Throws a ``ConfigurationError`` for a step that does not exist.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> TestHooks {
        var hooks = TestHooks()
        if let spacing = environment["ALLOCATOR_QUEUE_MESSAGE_SPACING_MS"], !spacing.isEmpty {
            guard let milliseconds = Int(spacing), (0...86_400_000).contains(milliseconds) else {
                throw ConfigurationError(variable: "ALLOCATOR_QUEUE_MESSAGE_SPACING_MS", problem: "must be 0...86400000")
            }
            hooks.queueMessageSpacing = .milliseconds(milliseconds)
        }
        guard let step = environment["ALLOCATOR_CRASH_AT"], !step.isEmpty else { return hooks }
        guard let parsed = WorkerStep(rawValue: step) else {
            let steps = WorkerStep.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: "ALLOCATOR_CRASH_AT", problem: "must be one of \(steps)")
        }
        hooks.crashAt = parsed
        return hooks
    }
}
