import CSpawn
import Foundation
import Synchronization

/// A child process started with a clean signal state (unlike Foundation's `Process` on Linux, whose
/// children inherit the spawning thread's blocked signals and so ignore `SIGTERM`).
///
/// Used by the demo, the benchmark and the tests to run redis-server, the simulator and service instances.
public final class ChildProcess: Sendable {
    public let pid: pid_t
    public let executable: String
    private let exitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` (an absolute path, or a name looked up on `PATH`) with `arguments`.
    /// - Parameters:
    ///   - environment: the child's whole environment; `nil` inherits this process's.
    ///   - output: a file that receives stdout and stderr (appended); `nil` discards them.
    ///   - directory: the working directory; `nil` keeps this one.
    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
                output: URL? = nil, directory: URL? = nil) throws {
        let path = try Self.resolve(executable)
        self.executable = path
        let nullFD = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard nullFD >= 0 else { throw ChildProcessError.spawnFailed(path, errno: errno) }
        defer { close(nullFD) }
        var outFD = nullFD
        if let output {
            outFD = open(output.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard outFD >= 0 else { throw ChildProcessError.spawnFailed(output.path, errno: errno) }
        }
        defer { if outFD != nullFD { close(outFD) } }

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var child: pid_t = 0
        let status: Int32 = argv.withUnsafeBufferPointer { argvBuffer in
            let run = { (env: UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 in
                caa_spawn(path, argvBuffer.baseAddress, env, nullFD, outFD, outFD, directory?.path, &child)
            }
            guard let envp else { return run(nil) }
            return envp.withUnsafeBufferPointer { run($0.baseAddress) }
        }
        guard status == 0 else { throw ChildProcessError.spawnFailed(path, errno: status) }
        pid = child
    }

    deinit {
        if exitStatus.withLock({ $0 }) == nil { _ = reap(blocking: false) }
    }

    /// Sends a signal (default `SIGTERM`).
    public func signal(_ signal: Int32 = SIGTERM) {
        if isRunning { kill(pid, signal) }
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Waits for the child to exit and returns its exit code (128 + signal number when killed).
    @discardableResult
    public func wait() -> Int32 {
        while true {
            if let status = reap(blocking: true) { return status }
        }
    }

    /// Waits up to `seconds`; returns the exit code, or `nil` if it still runs.
    public func wait(timeout seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let status = reap(blocking: false) { return status }
            usleep(10_000)
        }
        return reap(blocking: false)
    }

    /// `SIGTERM`, then `SIGKILL` if it has not exited after `grace` seconds. Returns the exit code.
    @discardableResult
    public func terminate(grace: Double = 5) -> Int32 {
        signal(SIGTERM)
        if let status = wait(timeout: grace) { return status }
        signal(SIGKILL)
        return wait()
    }

    private func reap(blocking: Bool) -> Int32? {
        exitStatus.withLock { known in
            if let known { return known }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, blocking ? 0 : WNOHANG)
            guard result == pid else {
                if result < 0 && errno == ECHILD { known = -1 }
                return known
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: the macros do not import into Swift.
            let signal = raw & 0x7f
            known = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            return known
        }
    }

    /// The absolute path of `name`: itself when it has a slash, else the first match on `PATH`.
    public static func resolve(_ name: String) throws -> String {
        if name.contains("/") { return name }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"] {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ChildProcessError.notFound(name)
    }
}

/// Why a child could not be started.
public enum ChildProcessError: Error, Sendable, Equatable, CustomStringConvertible {
    case notFound(String)
    case spawnFailed(String, errno: Int32)

    public var description: String {
        switch self {
        case .notFound(let name): return "\(name) was not found on PATH"
        case .spawnFailed(let path, let code): return "cannot start \(path): \(String(cString: strerror(code)))"
        }
    }
}
