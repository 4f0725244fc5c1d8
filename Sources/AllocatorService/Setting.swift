/// One environment variable of the service: its name, default, allowed values, one-line meaning, and how its
/// text becomes a value. Every variable is one entry of ``Settings``; no other place holds a default.
public struct Setting<Value: Sendable>: AnySetting {
    public let name: String
    public let presence: SettingPresence
    /// The allowed values, for people (`1...10000`, `http(s) URL`).
    public let allowed: String
    public let meaning: String
    /// Never shown: not in errors, redacted in swift-configuration's access log.
    public let isSecret: Bool
    /// Turns the trimmed, non-blank text into a value, or says why not.
    let convert: @Sendable (String) throws(SettingRefusal) -> Value

    init(_ name: String, _ presence: SettingPresence, allowed: String, isSecret: Bool = false, meaning: String,
         convert: @escaping @Sendable (String) throws(SettingRefusal) -> Value) {
        self.name = name
        self.presence = presence
        self.allowed = allowed
        self.isSecret = isSecret
        self.meaning = meaning
        self.convert = convert
    }

    /// The default as a value; nil for a variable without one.
    public var defaultValue: Value? {
        guard let text = defaultText else { return nil }
        guard let value = try? convert(text) else {
            preconditionFailure("the default of \(name), \(text), is refused by its own check")
        }
        return value
    }

    public var defaultIsValid: Bool {
        guard let text = defaultText else { return true }
        return (try? convert(text)) != nil
    }
}
