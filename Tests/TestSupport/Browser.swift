import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A headless chromium driven over the DevTools protocol (`--remote-debugging-pipe`), for browser tests.
///
/// ```swift
/// try await withBrowser { browser in
///     let page = try await browser.newPage()
///     try await page.navigate(to: server.url("/"))
///     try await page.click("#refresh")
///     try await page.waitFor("document.querySelector('#status').textContent == 'ok'")
///     #expect(page.errors.isEmpty, "\(page.errors)")
/// }
/// ```
///
/// Every call has a deadline, so a hung chromium fails the test instead of hanging it. ``close()`` (which
/// ``withBrowser(_:_:)`` always calls) ends chromium and every process it started, and removes its temporary
/// profile; if a `Browser` is dropped without it, `deinit` kills them. chromium starts in about 1 s.
public final class Browser: Sendable {
    /// How to start chromium and how long to wait for it.
    public struct Options: Sendable {
        /// The chromium executable; `nil` finds it (``executable``).
        public var executable: String?
        /// The viewport of new pages (and so the size of screenshots).
        public var viewport: BrowserPage.Viewport
        /// Deadline of every single DevTools command.
        public var commandTimeout: Duration
        /// Deadline of start-up, until chromium answers its first command.
        public var launchTimeout: Duration
        /// Added to chromium's command line (e.g. `--lang=id`).
        public var extraArguments: [String]

        public init(executable: String? = nil, viewport: BrowserPage.Viewport = .init(),
                    commandTimeout: Duration = .seconds(10), launchTimeout: Duration = .seconds(20),
                    extraArguments: [String] = []) {
            self.executable = executable
            self.viewport = viewport
            self.commandTimeout = commandTimeout
            self.launchTimeout = launchTimeout
            self.extraArguments = extraArguments
        }
    }

    public let options: Options
    /// chromium's process id (it leads a process group of its own).
    public var pid: pid_t { process.pid }
    /// chromium's product and version, e.g. `Chrome/156.0.8078.108`.
    public let version: String
    /// From spawning chromium to its first answer.
    public let launchDuration: Duration
    let pipe: DevToolsPipe
    private let process: ChromiumProcess
    private let closed = Mutex(false)

    /// The chromium executable: `chromium` (or `chromium-browser`) on `PATH`, else `/usr/bin/chromium`;
    /// `nil` when there is none.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["chromium", "chromium-browser"].flatMap { name in
            path.split(separator: ":").map { "\($0)/\(name)" }
        } + ["/usr/bin/chromium"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether ``executable`` finds chromium. Tests that need it should not skip when it is missing
    /// (`make test` installs it): ``launch(_:)`` fails with ``BrowserError/notInstalled``.
    public static var isAvailable: Bool { executable != nil }

    /// Starts chromium headless with a fresh temporary profile and waits until it answers.
    public static func launch(_ options: Options = .init()) async throws -> Browser {
        guard let executable = options.executable ?? executable else { throw BrowserError.notInstalled }
        let profile = FileManager.default.temporaryDirectory
            .appendingPathComponent("browser-test-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
        let arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
            "--user-data-dir=\(profile.path)", "--no-first-run", "--no-default-browser-check",
            "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            "--password-store=basic", "--use-mock-keychain",
        ] + options.extraArguments + ["about:blank"]
        let started = ContinuousClock.now
        let process: ChromiumProcess
        let fd: Int32
        do {
            (process, fd) = try ChromiumProcess.spawn(executable, arguments, profile: profile)
        } catch {
            try? FileManager.default.removeItem(at: profile)
            throw error
        }
        let pipe = DevToolsPipe(fd: fd, logTail: { process.logTail() })
        do {
            let version = try await pipe.call("Browser.getVersion", timeout: options.launchTimeout)
            return Browser(options: options, process: process, pipe: pipe,
                           version: version["product"].string ?? "unknown", launchDuration: .now - started)
        } catch {
            pipe.shutDown()
            let log = process.logTail()
            _ = try? await onThread { process.terminate(grace: 0) }
            throw BrowserError.launchFailed("\(error)\n\(log)")
        }
    }

    private init(options: Options, process: ChromiumProcess, pipe: DevToolsPipe, version: String,
                 launchDuration: Duration) {
        self.options = options
        self.process = process
        self.pipe = pipe
        self.version = version
        self.launchDuration = launchDuration
    }

    /// Opens a new tab (at `about:blank`; then ``BrowserPage/navigate(to:timeout:)``). Pages share cookies.
    public func newPage(viewport: BrowserPage.Viewport? = nil) async throws -> BrowserPage {
        let target = try await send("Target.createTarget", ["url": "about:blank"])
        guard let targetID = target["targetId"].string else {
            throw BrowserError.protocolError(method: "Target.createTarget", message: "no targetId in \(target)")
        }
        let attached = try await send("Target.attachToTarget", ["targetId": .string(targetID), "flatten": true])
        guard let session = attached["sessionId"].string else {
            throw BrowserError.protocolError(method: "Target.attachToTarget", message: "no sessionId in \(attached)")
        }
        let page = BrowserPage(browser: self, targetID: targetID, session: session)
        try await page.prepare(viewport: viewport ?? options.viewport)
        return page
    }

    /// Sends a browser-level DevTools command (no page session) and returns its result.
    @discardableResult
    public func send(_ method: String, _ params: JSONValue = [:], timeout: Duration? = nil) async throws -> JSONValue {
        try await pipe.call(method, params, timeout: timeout ?? options.commandTimeout)
    }

    /// Asks chromium to quit, then kills whatever of it is left, reaps it and removes its profile. Safe to
    /// call more than once; never throws.
    public func close() async {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        _ = try? await pipe.call("Browser.close", timeout: .seconds(2))
        let process = process
        _ = try? await onThread { process.terminate(grace: 3) }
        pipe.shutDown()
    }

    /// Processes of this chromium still alive (not zombies); empty after ``close()``.
    public var remainingProcesses: [pid_t] { process.leftovers() }

    deinit {
        guard !closed.withLock({ $0 }) else { return }
        process.terminate(grace: 0)
        pipe.shutDown()
    }
}
