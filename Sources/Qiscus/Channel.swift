/// The channel a room came in through, as newer Qiscus apps put it in the allocation webhook:
/// `"channel": {"id": 12, "name": "WhatsApp Sales", "source": "wa"}`. Every field may be missing.
public struct Channel: Codable, Sendable, Hashable {
    /// The channel's id in Qiscus (one app may have several channels of one source, e.g. two WhatsApp numbers).
    public let id: Int?
    public let name: String?
    /// The kind of channel: `qiscus` (web widget), `wa`, `ig`, `fb`, `line`, `telegram`, ...
    public let source: String?

    public init(id: Int?, name: String? = nil, source: String? = nil) {
        self.id = id
        self.name = name
        self.source = source
    }

    /// Lenient: a mistyped field is nil. An id sent as a string of digits is read as the number.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = (try? container.decodeIfPresent(Int.self, forKey: .id))
            ?? (try? container.decodeIfPresent(String.self, forKey: .id)).flatMap { Int($0) }
        name = try? container.decodeIfPresent(String.self, forKey: .name)
        source = try? container.decodeIfPresent(String.self, forKey: .source)
    }
}
