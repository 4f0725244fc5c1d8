/// A Qiscus Omnichannel division: a team of agents (the API calls it a role: an agent lists its divisions as
/// `user_roles`, `GET /api/v2/divisions` lists the app's divisions). Routes may send rooms to the agents of
/// one or more divisions.
public struct Division: Codable, Sendable, Hashable {
    public let id: Int
    public let name: String?
    /// Whether Qiscus puts new agents in this division. Only `GET /api/v2/divisions` says; nil in `user_roles`.
    public let isDefaultRole: Bool?

    enum CodingKeys: String, CodingKey {
        case id, name
        case isDefaultRole = "is_default_role"
    }

    public init(id: Int, name: String? = nil, isDefaultRole: Bool? = nil) {
        self.id = id
        self.name = name
        self.isDefaultRole = isDefaultRole
    }

    /// The id is required; a mistyped name or flag is dropped, not fatal.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        name = try? container.decodeIfPresent(String.self, forKey: .name)
        isDefaultRole = try? container.decodeIfPresent(Bool.self, forKey: .isDefaultRole)
    }
}
