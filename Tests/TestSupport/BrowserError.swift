import Foundation

/// Why a ``Browser`` or ``BrowserPage`` call failed. The description is written for a test failure message.
public enum BrowserError: Error, Sendable, CustomStringConvertible {
    /// No chromium executable was found.
    case notInstalled
    /// chromium could not be started, or did not answer its first command in time.
    case launchFailed(String)
    /// No reply (or awaited event) within the time allowed.
    case timeout(what: String, after: Duration)
    /// chromium answered a command with an error.
    case protocolError(method: String, message: String)
    /// The pipe to chromium closed (it exited or crashed); `log` is the end of its output.
    case disconnected(log: String)
    /// `Page.navigate` failed, e.g. `net::ERR_CONNECTION_REFUSED`.
    case navigationFailed(url: String, reason: String)
    /// The evaluated JavaScript threw; `message` is the exception's text (usually with its stack).
    case javaScript(expression: String, message: String)
    /// ``BrowserPage/waitFor(_:timeout:)`` (or an action waiting for its element) gave up.
    case waitTimedOut(expression: String, after: Duration, lastValue: String, url: String)

    public var description: String {
        switch self {
        case .notInstalled:
            "chromium not found on PATH nor at /usr/bin/chromium: `make deps` installs the Debian package chromium"
        case .launchFailed(let reason):
            "chromium did not start: \(reason)"
        case .timeout(let what, let after):
            "no answer from chromium to \(what) within \(after)"
        case .protocolError(let method, let message):
            "chromium refused \(method): \(message)"
        case .disconnected(let log):
            "the connection to chromium closed (it exited or crashed); its last output:\n\(log)"
        case .navigationFailed(let url, let reason):
            "navigation to \(url) failed: \(reason)"
        case .javaScript(let expression, let message):
            "JavaScript threw: \(message)\n  in: \(expression.prefix(300))"
        case .waitTimedOut(let expression, let after, let lastValue, let url):
            "waited \(after) for `\(expression.prefix(300))` on \(url); last value: \(lastValue.prefix(500))"
        }
    }
}
