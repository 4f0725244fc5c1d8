import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A running chromium: spawned with `posix_spawn` so that fds 3 and 4 (`--remote-debugging-pipe`) can be
/// handed over, which swift-subprocess does not offer. Both are the child's end of one Unix socket pair (a
/// socket rather than pipes so that writing to a dead chromium fails with `EPIPE` under `MSG_NOSIGNAL`
/// instead of raising `SIGPIPE` in the test process).
///
/// The child leads a process group of its own (its zygotes, renderers and GPU process stay in it), so one
/// `kill(-pid, SIGKILL)` ends them all; the crash handlers chromium starts detach from that group, and are
/// found by their command line, which names the profile directory.
final class ChromiumProcess: Sendable {
    let pid: pid_t
    /// The temporary `--user-data-dir`, removed by ``terminate(grace:)``.
    let profile: URL
    /// stdout and stderr of chromium.
    let log: URL
    private let reaped = Mutex(false)

    /// Starts `executable` with `arguments` and returns it with this process's end of the DevTools socket.
    static func spawn(_ executable: String, _ arguments: [String], profile: URL) throws -> (ChromiumProcess, Int32) {
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw BrowserError.launchFailed("socketpair: \(String(cString: strerror(errno)))")
        }
        // Above 4, so that dup2 to 3 and 4 really copies (dup2 onto itself would keep close-on-exec).
        let childEnd = fcntl(pair[1], F_DUPFD_CLOEXEC, 10)
        close(pair[1])
        defer { close(childEnd) }
        let log = profile.appendingPathComponent("chromium.log")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        posix_spawn_file_actions_adddup2(&actions, childEnd, 3)
        posix_spawn_file_actions_adddup2(&actions, childEnd, 4)
        // No other descriptor of the test process (another test's sockets or pipes) leaks into chromium.
        // glibc (2.34+) declares it for _GNU_SOURCE only, which Swift's Glibc module does not import.
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 5) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A group of its own, no blocked signals, every signal at its default (test threads block some).
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        sigfillset(&signals)
        sigdelset(&signals, SIGKILL)
        sigdelset(&signals, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &signals)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            close(pair[0])
            throw BrowserError.launchFailed("posix_spawn \(executable): \(String(cString: strerror(status)))")
        }
        return (ChromiumProcess(pid: pid, profile: profile, log: log), pair[0])
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// `posix_spawn_file_actions_addclosefrom_np`, when this glibc has it.
    private static let addCloseFrom: AddCloseFrom? = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: AddCloseFrom.self) }

    private init(pid: pid_t, profile: URL, log: URL) {
        self.pid = pid
        self.profile = profile
        self.log = log
    }

    /// Waits up to `grace` seconds for chromium to exit by itself, then kills its process group and any
    /// process still naming the profile, reaps it and removes the profile. Blocks; safe to call twice.
    func terminate(grace: Double) {
        let deadline = Date().addingTimeInterval(grace)
        while !reap(blocking: false), Date() < deadline { usleep(20_000) }
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
        _ = reap(blocking: true)
        // The crash handlers left chromium's group; they exit once it is gone, else they are killed.
        let stragglers = Date().addingTimeInterval(2)
        while case let left = leftovers(), !left.isEmpty {
            if Date() > stragglers { left.forEach { kill($0, SIGKILL) } }
            usleep(20_000)
        }
        try? FileManager.default.removeItem(at: profile)
    }

    /// Whether chromium has exited and been reaped (`waitpid`, once).
    private func reap(blocking: Bool) -> Bool {
        reaped.withLock { reaped in
            guard !reaped else { return true }
            var status: Int32 = 0
            while true {
                let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
                if result == pid || (result < 0 && errno == ECHILD) { reaped = true; return true }
                if result < 0 && errno == EINTR { continue }
                return false
            }
        }
    }

    /// Live (not zombie) processes of this chromium: its process group and anything whose command line
    /// names the profile directory.
    func leftovers() -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let candidate = pid_t(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return nil }
            // After "comm)": state, ppid, pgrp.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, fields[0] != "Z" else { return nil }
            if pid_t(fields[2]) == pid { return candidate }
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline"))) ?? Data()
            return String(decoding: commandLine, as: UTF8.self).contains(profile.path) ? candidate : nil
        }
    }

    /// The last lines of chromium's output, for failure messages.
    func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
    }
}
