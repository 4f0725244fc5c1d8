import Foundation

/// A message a page logged with `console.*`, or an uncaught exception.
public struct ConsoleMessage: Sendable, Equatable, CustomStringConvertible {
    public enum Level: String, Sendable {
        case debug, log, info, warning, error
        /// An uncaught exception or unhandled promise rejection.
        case exception
    }

    public let level: Level
    /// The logged arguments joined by spaces, or the exception's description (with its stack).
    public let text: String
    /// Where it was logged or thrown, when chromium says.
    public let url: String?
    public let line: Int?

    public init(level: Level, text: String, url: String? = nil, line: Int? = nil) {
        self.level = level
        self.text = text
        self.url = url
        self.line = line
    }

    /// Whether it is an error: `console.error`, a failed `console.assert`, or an exception.
    public var isError: Bool { level == .error || level == .exception }

    public var description: String {
        "[\(level.rawValue)] \(text)" + (url.map { " (\($0)\(line.map { ":\($0 + 1)" } ?? ""))" } ?? "")
    }

    /// The message of a `Runtime.consoleAPICalled` or `Runtime.exceptionThrown` event; `nil` for others.
    init?(event method: String, _ params: JSONValue) {
        switch method {
        case "Runtime.consoleAPICalled":
            let type = params["type"].string ?? "log"
            let level: Level = switch type {
            case "debug": .debug
            case "info": .info
            case "warning": .warning
            case "error", "assert": .error
            default: .log
            }
            let text = (params["args"].array ?? []).map { argument in
                argument["value"].string ?? argument["description"].string
                    ?? argument["unserializableValue"].string
                    ?? (argument["value"].isNull ? argument["type"].string ?? "undefined" : argument["value"].description)
            }.joined(separator: " ")
            let frame = params["stackTrace"]["callFrames"][0]
            self.init(level: level, text: text, url: frame["url"].string, line: frame["lineNumber"].int)
        case "Runtime.exceptionThrown":
            let details = params["exceptionDetails"]
            let text = details["exception"]["description"].string
                ?? details["exception"]["value"].string.map { "Uncaught \($0)" }
                ?? details["text"].string ?? details.description
            self.init(level: .exception, text: text, url: details["url"].string, line: details["lineNumber"].int)
        default:
            return nil
        }
    }
}
