import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A long-running child process, started through swift-subprocess.
///
/// swift-subprocess starts every child with an empty signal mask and every signal at its default action, so a
/// child of a thread that blocks signals (a dispatch worker, a test thread) still stops on `SIGTERM`. One task
/// per child runs `Subprocess.run` until the child exits (``ChildState`` says how its exit reaches this handle).
///
/// Used by the demo, the benchmark and the tests to run redis-server, the simulator and service instances.
public final class ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let state: ChildState

    /// Starts `executable` (an absolute path, or a name looked up on `PATH`) with `arguments`; returns once
    /// the child runs.
    /// - Parameters:
    ///   - environment: the child's whole environment; `nil` inherits this process's.
    ///   - output: a file that receives stdout and stderr (appended); `nil` discards them.
    ///   - directory: the working directory; `nil` keeps this one.
    ///   - ownProcessGroup: start the child in a process group of its own, so a Ctrl-C at the terminal (sent to
    ///     the foreground group) reaches this process only, which then stops the child itself.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                output: URL? = nil, directory: URL? = nil, ownProcessGroup: Bool = false) throws {
        var configuration = Configuration(
            executable: executable.contains("/") ? .path(FilePath(executable)) : .name(executable),
            arguments: Arguments(arguments),
            environment: environment.map { variables in
                .custom(Dictionary(uniqueKeysWithValues: variables.compactMap { name, value in
                    Environment.Key(rawValue: name).map { ($0, value) }
                }))
            } ?? .inherit,
            workingDirectory: directory.map { FilePath($0.path) })
        if ownProcessGroup { configuration.platformOptions.processGroupID = 0 }
        let state = ChildState()
        if let output {
            let log = try FileDescriptor.open(FilePath(output.path), .writeOnly, options: [.append, .create, .closeOnExec],
                                              permissions: [.ownerReadWrite, .groupRead, .otherRead])
            Self.start(configuration, output: .fileDescriptor(log, closeAfterSpawningProcess: true), state: state)
        } else {
            Self.start(configuration, output: .discarded, state: state)
        }
        pid = try state.spawnedPID()
        self.state = state
    }

    /// Runs the child in a task on ``ChildExecutor`` until it exits, reporting to `state`.
    private static func start(_ configuration: Configuration, output: some OutputProtocol, state: ChildState) {
        Task(executorPreference: ChildExecutor.shared) {
            do {
                let result = try await run(configuration, input: .none, output: output, error: .combinedWithOutput) {
                    await state.supervise($0.processIdentifier)
                }
                switch result.terminationStatus {
                case .exited(let code): state.finished(.success(code))
                case .signaled(let signal): state.finished(.success(128 + signal))
                }
            } catch {
                state.finished(.failure(error))
            }
        }
    }

    /// Sends a signal (default `SIGTERM`) unless the child has exited.
    public func signal(_ signal: Int32 = SIGTERM) {
        state.send(signal, to: pid)
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { state.exitCode == nil }

    /// Waits for the child to exit and returns its exit code (128 + signal number when killed; -1 when
    /// swift-subprocess lost track of it). Blocks the calling thread: for synchronous callers.
    @discardableResult
    public func wait() -> Int32 {
        state.wait(until: .distantFuture) ?? -1
    }

    /// Waits up to `seconds`; returns the exit code, or `nil` if it still runs. Blocks the calling thread.
    public func wait(timeout seconds: Double) -> Int32? {
        state.wait(until: .now() + seconds)
    }

    /// Waits for the child to exit without blocking a thread, and returns its exit code.
    @discardableResult
    public func exitCode() async -> Int32 {
        await state.exit()
    }

    /// `SIGTERM`, then `SIGKILL` if it has not exited after `grace` seconds. Returns the exit code. Blocks the
    /// calling thread.
    @discardableResult
    public func terminate(grace: Double = 5) -> Int32 {
        signal(SIGTERM)
        if let code = wait(timeout: grace) { return code }
        signal(SIGKILL)
        return wait()
    }
}
