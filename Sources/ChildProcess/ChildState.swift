import Dispatch
import Foundation
import Subprocess
import Synchronization

/// What the task running a child reports to its ``ChildProcess``: the process id once spawned (or why it
/// could not be), the exit code once the child has exited.
///
/// The exit is taken from the child's pidfd (a dispatch source, the status read with `waitid(WNOWAIT)`) while
/// `Subprocess.run`'s body holds the child unreaped, not from `run`'s return: `run` returns only after an
/// unstructured task of swift-subprocess ran on the cooperative pool, which synchronous waiters (Swift Testing
/// runs synchronous tests on that pool, two threads here) may all occupy. The reap, by swift-subprocess, needs
/// no pool thread; only `run`'s return after it does, and nobody waits for that.
final class ChildState: Sendable {
    private struct Values {
        var spawn: Result<pid_t, any Error>?
        var exit: Int32?
    }

    /// Runs the pidfd sources and the async waiters' wake-ups. A private serial queue always gets a thread,
    /// unlike the global concurrent queues, whose width is the CPU count.
    private static let queue = DispatchQueue(label: "ChildProcess.exits")
    private let values = Mutex(Values())
    private let spawnReported = DispatchSemaphore(value: 0)
    /// Entered until the exit is known: lets any number of threads wait, with or without a deadline.
    private let exitPending = DispatchGroup()

    init() { exitPending.enter() }

    /// The body of `Subprocess.run`: reports the pid, then returns once the exit is recorded, so the child
    /// stays unreaped (its pid cannot be reused) while ``send(_:to:)`` may signal it.
    func supervise(_ process: ProcessIdentifier) async {
        values.withLock { $0.spawn = .success(process.value) }
        spawnReported.signal()
        let pidfd = process.processDescriptor < 0 ? -1 : fcntl(process.processDescriptor, F_DUPFD_CLOEXEC, 0)
        // Without a pidfd (Linux before 5.3), the exit is recorded when `run` returns.
        guard pidfd >= 0 else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let source = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: Self.queue)
            source.setEventHandler { [self] in
                var info = siginfo_t()
                if waitid(P_PIDFD, id_t(pidfd), &info, WEXITED | WNOWAIT) == 0 {
                    let status = info._sifields._sigchld.si_status
                    record(info.si_code == CLD_EXITED ? status : 128 + status)
                } else if errno == EINTR {
                    return  // the source fires again
                }
                // On another error the exit is recorded when `run` returns.
                source.cancel()
            }
            source.setCancelHandler {
                close(pidfd)
                continuation.resume()
            }
            source.activate()
        }
    }

    /// `Subprocess.run` returned: with the exit code, or with an error (spawning failed when no pid was
    /// reported before; otherwise the child's status was lost and its exit code is -1).
    func finished(_ outcome: Result<Int32, any Error>) {
        let failedToSpawn = values.withLock { values in
            guard values.spawn == nil else { return false }
            switch outcome {
            case .failure(let error): values.spawn = .failure(error)
            // Not expected: `run` succeeds only after its body reported the pid.
            case .success: values.spawn = .failure(ChildProcessError.notReported)
            }
            return true
        }
        if failedToSpawn { spawnReported.signal() }
        record((try? outcome.get()) ?? -1)
    }

    /// Records the exit code, once.
    private func record(_ code: Int32) {
        let first = values.withLock { values in
            guard values.exit == nil else { return false }
            values.exit = code
            return true
        }
        if first { exitPending.leave() }
    }

    /// Blocks until the task has spawned the child (or failed to); called once, by the initialiser.
    func spawnedPID() throws -> pid_t {
        spawnReported.wait()
        return try values.withLock { $0.spawn! }.get()
    }

    /// The exit code; `nil` while the child runs.
    var exitCode: Int32? { values.withLock { $0.exit } }

    /// Sends `signal` to `pid` unless the child's exit has been recorded. Under the lock that records it, and
    /// the child is reaped only after that record, so the signal never reaches a reused pid.
    func send(_ signal: Int32, to pid: pid_t) {
        values.withLock { values in
            if values.exit == nil && pid > 0 { _ = kill(pid, signal) }
        }
    }

    /// Blocks until the child has exited or `deadline` passes; returns the exit code, or `nil` if it still runs.
    func wait(until deadline: DispatchTime) -> Int32? {
        _ = exitPending.wait(timeout: deadline)
        return exitCode
    }

    /// Suspends until the child has exited; returns the exit code.
    func exit() async -> Int32 {
        await withCheckedContinuation { continuation in
            exitPending.notify(queue: Self.queue) { continuation.resume(returning: self.exitCode ?? -1) }
        }
    }
}
