import Foundation

/// Unique names so tests sharing one redis-server never see each other's keys.
public enum TestKeys {
    /// An app id no other test uses, e.g. `t-3F2A...`.
    public static func uniqueApp(_ label: String = "t") -> String {
        "\(label)-\(UUID().uuidString.prefix(13))"
    }
}
