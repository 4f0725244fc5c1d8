/// What ``Settings/all`` lists: a ``Setting`` of any value type.
public protocol AnySetting: Sendable {
    var name: String { get }
    var presence: SettingPresence { get }
    var allowed: String { get }
    var meaning: String { get }
    var isSecret: Bool { get }
    /// Whether the default passes the variable's own check (a test holds every entry to it).
    var defaultIsValid: Bool { get }
}

extension AnySetting {
    /// The default as written in the README and `.example.env`; nil for a variable without one.
    public var defaultText: String? {
        guard case .defaulted(let text) = presence else { return nil }
        return text
    }
}
