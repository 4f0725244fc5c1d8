/// A channel a simulated customer writes from; the allocation webhook carries it as
/// `"channel": {"id": 12, "name": "WhatsApp Sales", "source": "wa"}` beside `"source": "wa"`.
public struct SimulatedChannel: Sendable, Hashable, Codable {
    public var id: Int
    public var name: String
    /// The kind of channel: `qiscus` (web widget), `wa`, `ig`, `fb`, ...
    public var source: String

    public init(id: Int, name: String, source: String) {
        self.id = id
        self.name = name
        self.source = source
    }
}
