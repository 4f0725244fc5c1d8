import Foundation
import Synchronization

/// One tab of a ``Browser``, driven through its own DevTools session.
///
/// Everything a page logs to the console and every uncaught exception is collected from the moment it is
/// opened (``consoleMessages``, ``errors``), so a test can end with `#expect(page.errors.isEmpty)`.
/// Interaction: ``BrowserPage/click(_:timeout:)`` and ``BrowserPage/type(_:into:timeout:)`` wait for their
/// element like ``waitFor(_:timeout:)``.
public final class BrowserPage: Sendable {
    /// The size of the page's window in CSS pixels (screenshots are this size at scale 1).
    public struct Viewport: Sendable, Equatable {
        public var width: Int
        public var height: Int
        public var deviceScaleFactor: Double

        public init(width: Int = 1280, height: Int = 800, deviceScaleFactor: Double = 1) {
            self.width = width
            self.height = height
            self.deviceScaleFactor = deviceScaleFactor
        }
    }

    public let browser: Browser
    /// The DevTools target id of the tab.
    public let targetID: String
    /// The DevTools session attached to the tab (flat mode).
    public let session: String
    private let messages = Mutex<[ConsoleMessage]>([])

    init(browser: Browser, targetID: String, session: String) {
        self.browser = browser
        self.targetID = targetID
        self.session = session
    }

    /// Starts collecting console output and enables the domains the page's methods rely on.
    func prepare(viewport: Viewport) async throws {
        browser.pipe.listen(session: session) { [weak self] method, params in
            guard let message = ConsoleMessage(event: method, params) else { return }
            self?.messages.withLock { $0.append(message) }
        }
        try await send("Page.enable")
        try await send("Runtime.enable")
        try await setViewport(viewport)
    }

    /// Everything logged with `console.*` and every uncaught exception, in order.
    public var consoleMessages: [ConsoleMessage] { messages.withLock { $0 } }

    /// The `console.error`/`console.assert` messages and uncaught exceptions (including unhandled promise
    /// rejections).
    public var errors: [ConsoleMessage] { consoleMessages.filter(\.isError) }

    /// Forgets the collected console messages (e.g. after a step that is expected to log errors).
    public func clearConsoleMessages() { messages.withLock { $0.removeAll() } }

    /// Sends a DevTools command to this page's session and returns its result: for anything the methods
    /// here do not cover (see https://chromedevtools.github.io/devtools-protocol/).
    @discardableResult
    public func send(_ method: String, _ params: JSONValue = [:], timeout: Duration? = nil) async throws -> JSONValue {
        try await browser.pipe.call(method, params, session: session, timeout: timeout ?? browser.options.commandTimeout)
    }

    /// Sets the window size (`Emulation.setDeviceMetricsOverride`).
    public func setViewport(_ viewport: Viewport) async throws {
        try await send("Emulation.setDeviceMetricsOverride", [
            "width": .number(Double(viewport.width)), "height": .number(Double(viewport.height)),
            "deviceScaleFactor": .number(viewport.deviceScaleFactor), "mobile": false,
        ])
    }

    /// Loads `url` and returns once its `load` event fired (a same-document navigation, e.g. to `#part`,
    /// returns at once). Throws ``BrowserError/navigationFailed(url:reason:)`` when it cannot be loaded.
    public func navigate(to url: String, timeout: Duration = .seconds(15)) async throws {
        try await waitForLoad(timeout: timeout) {
            let result = try await send("Page.navigate", ["url": .string(url)], timeout: timeout)
            if let reason = result["errorText"].string, !reason.isEmpty {
                throw BrowserError.navigationFailed(url: url, reason: reason)
            }
            return result["loaderId"].string != nil
        }
    }

    /// Runs `action` (say, a click on a link or a form's submit button) and waits for the `load` event of the
    /// page it opens. `action` returns whether a load is to be awaited.
    public func waitForLoad(timeout: Duration = .seconds(15), after action: () async throws -> Bool) async throws {
        let (id, loaded) = browser.pipe.expectEvent("Page.loadEventFired", session: session)
        defer { browser.pipe.forget(id) }
        guard try await action() else { return }
        _ = try await loaded.value(timeout: timeout, what: "the load event of the page")
    }

    /// ``waitForLoad(timeout:after:)`` for an action that always leads to a new page.
    public func waitForLoad(timeout: Duration = .seconds(15), after action: () async throws -> Void) async throws {
        try await waitForLoad(timeout: timeout) { try await action(); return true }
    }

    /// Evaluates `expression` in the page and returns its value (as JSON: DOM nodes come back as `{}`).
    /// A promise is awaited. Throws ``BrowserError/javaScript(expression:message:)`` with the exception's
    /// text when it throws or rejects.
    @discardableResult
    public func evaluate(_ expression: String, timeout: Duration? = nil) async throws -> JSONValue {
        let reply = try await send("Runtime.evaluate", [
            "expression": .string(expression), "returnByValue": true, "awaitPromise": true, "userGesture": true,
        ], timeout: timeout)
        let exception = reply["exceptionDetails"]
        guard exception.isNull else {
            let message = exception["exception"]["description"].string
                ?? exception["exception"]["value"].string.map { "Uncaught \($0)" }
                ?? exception["text"].string ?? exception.description
            throw BrowserError.javaScript(expression: expression, message: message)
        }
        return reply["result"]["value"]
    }

    /// ``evaluate(_:timeout:)`` decoded as `T`, e.g. `[Row].self` for an expression returning an array of
    /// objects.
    public func evaluate<T: Decodable>(_ expression: String, as type: T.Type, timeout: Duration? = nil) async throws -> T {
        try await evaluate(expression, timeout: timeout).decode(as: T.self)
    }

    /// Evaluates `expression` every `interval` until its value is truthy (by JavaScript's rules) and returns
    /// that value. While it throws (say, its element is not there yet) it counts as not yet true. Throws
    /// ``BrowserError/waitTimedOut(expression:after:lastValue:url:)`` with the last value (or exception) and
    /// the page's URL when `timeout` passes.
    @discardableResult
    public func waitFor(_ expression: String, timeout: Duration = .seconds(5),
                        interval: Duration = .milliseconds(50)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last = "nothing yet"
        while true {
            do {
                let value = try await evaluate(expression, timeout: max(deadline - .now, .milliseconds(500)))
                if value.isTruthy { return value }
                last = value.description
            } catch let error as BrowserError {
                guard case .javaScript(_, let message) = error else { throw error }
                last = "threw \(message)"
            }
            guard ContinuousClock.now + interval < deadline else { break }
            try await Task.sleep(for: interval)
        }
        throw BrowserError.waitTimedOut(expression: expression, after: timeout, lastValue: last,
                                        url: (try? await url(timeout: .seconds(2))) ?? "(URL unknown)")
    }

    /// The page's current URL.
    public var url: String {
        get async throws { try await url(timeout: nil) }
    }

    private func url(timeout: Duration?) async throws -> String {
        try await evaluate("location.href", timeout: timeout).string ?? ""
    }

    /// The `textContent` of the first element matching `selector`, trimmed; `nil` when none matches.
    public func text(_ selector: String) async throws -> String? {
        try await evaluate("document.querySelector(\(JSONValue.string(selector)))?.textContent.trim() ?? null").string
    }

    /// The cookies the page's URL would be sent, `HttpOnly` ones included.
    public func cookies() async throws -> [BrowserCookie] {
        try await send("Network.getCookies")["cookies"].decode(as: [BrowserCookie].self)
    }

    /// A PNG of the viewport, also written to `path` when given (directories created).
    @discardableResult
    public func screenshot(path: String? = nil) async throws -> Data {
        let result = try await send("Page.captureScreenshot", ["format": "png"])
        guard let encoded = result["data"].string, let png = Data(base64Encoded: encoded) else {
            throw BrowserError.protocolError(method: "Page.captureScreenshot", message: "no image data")
        }
        if let path {
            let file = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try png.write(to: file)
        }
        return png
    }

    /// Closes the tab.
    public func close() async throws {
        browser.pipe.stopListening(session: session)
        try await browser.send("Target.closeTarget", ["targetId": .string(targetID)])
    }
}
