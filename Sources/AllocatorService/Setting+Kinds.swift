import Allocation
import Foundation
import Logging
import Redis
import Routing

extension Setting where Value == String {
    /// Any text.
    static func text(_ name: String, _ presence: SettingPresence, isSecret: Bool = false,
                     meaning: String) -> Setting<String> {
        Setting(name, presence, allowed: "text", isSecret: isSecret, meaning: meaning) { $0 }
    }

    /// An `http://` or `https://` URL with a host.
    static func httpURL(_ name: String, _ presence: SettingPresence, meaning: String) -> Setting<String> {
        Setting(name, presence, allowed: "http(s) URL", meaning: meaning) { text throws(SettingRefusal) in
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw SettingRefusal("must be an http(s) URL")
            }
            return text
        }
    }

    /// A secret token that turns an endpoint's protection on: unset or blank is off, a set one must have at
    /// least ``minimumTokenLength`` characters (so a stub like `test` can not guard the admin API). Never shown.
    static func token(_ name: String, meaning: String) -> Setting<String> {
        Setting(name, .optional, allowed: "at least \(minimumTokenLength) characters", isSecret: true,
                meaning: meaning) { text throws(SettingRefusal) in
            guard text.count >= minimumTokenLength else {
                throw SettingRefusal("must be at least \(minimumTokenLength) characters when set", showsValue: false)
            }
            return text
        }
    }

    /// The fewest characters of a ``token(_:meaning:)``.
    static var minimumTokenLength: Int { 16 }

    /// One part of the Redis key names (`<prefix>:{<app id>}:<name>`).
    static func keyPart(_ name: String, _ presence: SettingPresence, meaning: String) -> Setting<String> {
        Setting(name, presence, allowed: "1-128 characters without braces or spaces",
                meaning: meaning) { text throws(SettingRefusal) in
            // Keyspace checks its two parts alike.
            guard (try? Keyspace(prefix: text, app: text)) != nil else {
                throw SettingRefusal("must be 1-128 characters without braces or spaces", showsValue: false)
            }
            return text
        }
    }
}

extension Setting where Value: LosslessStringConvertible & Comparable {
    /// A number in `range`; a refusal says it "must be \(kind) in \(range)".
    static func number(_ name: String, _ presence: SettingPresence, in range: ClosedRange<Value>, kind: String,
                       meaning: String) -> Setting<Value> {
        let allowed = "\(range.lowerBound)...\(range.upperBound)"
        return Setting(name, presence, allowed: allowed, meaning: meaning) { text throws(SettingRefusal) in
            guard let number = Value(text), range.contains(number) else {
                throw SettingRefusal("must be \(kind) in \(allowed)")
            }
            return number
        }
    }
}

extension Setting where Value == Int {
    /// A whole number in `range`.
    static func integer(_ name: String, _ presence: SettingPresence, in range: ClosedRange<Int>,
                        meaning: String) -> Setting<Int> {
        number(name, presence, in: range, kind: "a whole number", meaning: meaning)
    }
}

extension Setting where Value == Double {
    /// A number of seconds in `range`.
    static func seconds(_ name: String, _ presence: SettingPresence, in range: ClosedRange<Double>,
                        meaning: String) -> Setting<Double> {
        number(name, presence, in: range, kind: "a number of seconds", meaning: meaning)
    }
}

extension Setting where Value == RedisConfiguration {
    /// `redis://[user:password@]host:port/db`.
    static func redisURL(_ name: String, _ presence: SettingPresence, meaning: String) -> Setting<RedisConfiguration> {
        Setting(name, presence, allowed: "redis://[user:password@]host:port/db", isSecret: true,
                meaning: meaning) { text throws(SettingRefusal) in
            do {
                return try RedisConfiguration(url: text)
            } catch RedisError.invalidURL(let reason) {
                throw SettingRefusal("is not a usable redis:// URL: \(reason)", showsValue: false)
            } catch {
                throw SettingRefusal("is not a usable redis:// URL", showsValue: false)
            }
        }
    }
}

extension Setting where Value == RouteTable {
    /// The path of a routes file, read and checked when the setting is read (an unset one is
    /// ``RouteTable/single``, for the reader to supply).
    static func routeTable(_ name: String, meaning: String) -> Setting<RouteTable> {
        Setting(name, .optional, allowed: "path of a .json, .yaml or .yml file", meaning: meaning) { path throws(SettingRefusal) in
            do throws(RouteFileError) {
                return try RouteTable.load(path: path)
            } catch {
                // The error names the file, the route and the field after the variable's name.
                throw SettingRefusal(error.detail, showsValue: false)
            }
        }
    }
}

extension Setting where Value == QueueMessageTemplate {
    /// A ``QueueMessageTemplate``: refused with the placeholder or the brace at fault. Unset is off.
    static func queueMessage(_ name: String, meaning: String) -> Setting<QueueMessageTemplate> {
        Setting(name, .optional, allowed: "text with {position} and {wait}", meaning: meaning) { text throws(SettingRefusal) in
            do throws(QueueMessageTemplate.Refusal) {
                return try QueueMessageTemplate(text)
            } catch {
                throw SettingRefusal(error.problem)
            }
        }
    }
}

extension Setting where Value == Logger.Level {
    /// A swift-log level, in any case.
    static func logLevel(_ name: String, _ presence: SettingPresence, meaning: String) -> Setting<Logger.Level> {
        let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        return Setting(name, presence, allowed: levels, meaning: meaning) { text throws(SettingRefusal) in
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw SettingRefusal("must be one of \(levels)", showsValue: false)
            }
            return level
        }
    }
}
