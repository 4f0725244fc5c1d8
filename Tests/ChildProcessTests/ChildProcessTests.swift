import ChildProcess
import Dispatch
import Foundation
import Subprocess
import Testing

/// `ChildProcess` over swift-subprocess, and the reason it exists: children start with no blocked and no
/// ignored signal, whatever the thread that spawns them blocks.
@Suite struct ChildProcessTests {
    /// swift-subprocess itself, spawning from a thread that blocks `SIGTERM` while this process ignores
    /// `SIGUSR2`: the child has an empty signal mask, ignores nothing, and stops on `SIGTERM`.
    @Test func aChildOfAThreadBlockingSignalsStartsWithACleanSignalState() async throws {
        signal(SIGUSR2, SIG_IGN)
        defer { signal(SIGUSR2, SIG_DFL) }
        let executor = SignalBlockingExecutor()
        let status = try await Task(executorPreference: executor) {
            #expect(SignalBlockingExecutor.currentThreadBlocksSIGTERM(), "the spawning thread blocks SIGTERM")
            let result = try await run(.path("/bin/sleep"), arguments: ["30"], input: .none, output: .discarded, error: .discarded) { execution in
                let masks = try Self.signalMasks(of: execution.processIdentifier.value)
                #expect(masks.blocked == 0, "SigBlk of the child")
                #expect(masks.ignored & ~Self.glibcInternalSignals == 0, "SigIgn of the child")
                try execution.send(signal: .terminate)
            }
            return result.terminationStatus
        }.value
        #expect(status == .signaled(SIGTERM))
    }

    /// The same through `ChildProcess` (which spawns from a dispatch thread of its own executor).
    @Test func childProcessChildrenStopOnSIGTERM() throws {
        let child = try ChildProcess("sleep", ["30"])
        let masks = try Self.signalMasks(of: child.pid)
        #expect(masks.blocked == 0)
        #expect(masks.ignored & ~Self.glibcInternalSignals == 0)
        #expect(child.isRunning)
        #expect(child.wait(timeout: 0.1) == nil)
        child.signal(SIGTERM)
        #expect(child.wait(timeout: 5) == 128 + SIGTERM)
        #expect(!child.isRunning)
        #expect(child.wait() == 128 + SIGTERM, "the code stays known")
    }

    @Test func exitCodeEnvironmentDirectoryAndAppendedLog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("out.log")
        try Data("before\n".utf8).write(to: log)
        let child = try ChildProcess("/bin/sh", ["-c", "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3"],
                                     environment: ["GREETING": "hello", "PATH": "/usr/bin:/bin"], output: log,
                                     directory: directory)
        #expect(child.wait(timeout: 10) == 3)
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text == "before\nhello from \(directory.resolvingSymlinksInPath().path)\noops\n")
    }

    @Test func terminateKillsAChildIgnoringSIGTERMAfterTheGrace() throws {
        let child = try ChildProcess("/bin/sh", ["-c", "trap '' TERM; exec sleep 30"])
        let deadline = Date().addingTimeInterval(5)
        while try Self.signalMasks(of: child.pid).ignored & 1 << (SIGTERM - 1) == 0 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)  // until the shell has run its trap
        }
        #expect(child.terminate(grace: 0.3) == 128 + SIGKILL)
    }

    @Test func waitingAsynchronously() async throws {
        let child = try ChildProcess("/bin/sh", ["-c", "exit 7"])
        #expect(await child.exitCode() == 7)
        #expect(child.wait(timeout: 0) == 7)
    }

    /// Synchronous starts and waits on every thread of the cooperative pool (as synchronous Swift Testing tests
    /// do) still see their children spawn and exit: neither needs a pool thread.
    @Test func synchronousWaitersFillingTheCooperativePool() async throws {
        let waiters = (0...ProcessInfo.processInfo.activeProcessorCount).map { _ in
            Task.detached { () throws -> Int32? in
                try ChildProcess("/bin/sh", ["-c", "sleep 0.3; exit 4"]).wait(timeout: 10)
            }
        }
        for waiter in waiters { #expect(try await waiter.value == 4) }
    }

    @Test func aMissingExecutableThrows() {
        #expect(throws: (any Error).self) { try ChildProcess("no-such-program-\(UUID().uuidString)") }
        #expect(throws: (any Error).self) { try ChildProcess("/nonexistent/program") }
    }

    /// Signals 32 and 33, which glibc reserves for itself: its `posix_spawn` leaves them ignored in every child
    /// (so did the former hand-written posix_spawn), and glibc reinstalls their handlers in the new program.
    static let glibcInternalSignals: UInt64 = 1 << 31 | 1 << 32

    /// `SigBlk` and `SigIgn` of `/proc/<pid>/status`.
    static func signalMasks(of pid: pid_t) throws -> (blocked: UInt64, ignored: UInt64) {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        func mask(_ name: String) throws -> UInt64 {
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix(name + ":") })
            return try #require(UInt64(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces), radix: 16))
        }
        return (try mask("SigBlk"), try mask("SigIgn"))
    }
}
