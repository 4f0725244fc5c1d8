/// Which webhooks a ``Route`` takes: both lists must agree (an empty list agrees with any webhook), and at
/// least one list is non-empty (a match with neither takes nothing, and ``RouteTable`` drops it).
public struct RouteMatch: Sendable, Equatable, Encodable {
    /// Qiscus channel ids (the webhook's `channel_id`); positive.
    public var channelIDs: [Int]
    /// The webhook's `source` (`wa`, `ig`, ...), compared exactly: case-sensitive, nothing trimmed.
    public var sources: [String]

    public init(channelIDs: [Int] = [], sources: [String] = []) {
        self.channelIDs = channelIDs
        self.sources = sources
    }

    /// Neither list holds anything: it takes no webhook.
    public var isEmpty: Bool { channelIDs.isEmpty && sources.isEmpty }

    /// Whether a webhook of `channelID` and `source` is taken: (no channel ids, or they hold `channelID`) and
    /// (no sources, or they hold `source`), and not both lists empty. A nil value agrees only with an empty list.
    public func matches(channelID: Int?, source: String?) -> Bool {
        guard !isEmpty else { return false }
        if !channelIDs.isEmpty {
            guard let channelID, channelIDs.contains(channelID) else { return false }
        }
        if !sources.isEmpty {
            guard let source, sources.contains(source) else { return false }
        }
        return true
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case channelIDs = "channel_ids"
        case sources
    }
}
