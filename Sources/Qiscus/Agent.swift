/// An agent as the available-agents and agents-by-division endpoints list it.
public struct Agent: Codable, Sendable, Equatable {
    public let id: Int
    public let name: String?
    public let email: String?
    public let isAvailable: Bool
    public let forceOffline: Bool
    /// Qiscus's count of the agent's active customers. It lags real assignments by seconds.
    public let currentCustomerCount: Int
    /// The divisions the agent belongs to (`user_roles`: `[{"id":438,"name":"Sales"}]`); empty when absent.
    public let divisions: [Division]

    enum CodingKeys: String, CodingKey {
        case id, name, email
        case isAvailable = "is_available"
        case forceOffline = "force_offline"
        case currentCustomerCount = "current_customer_count"
        case divisions = "user_roles"
    }

    public init(id: Int, name: String? = nil, email: String? = nil, isAvailable: Bool = true, forceOffline: Bool = false,
                currentCustomerCount: Int = 0, divisions: [Division] = []) {
        self.id = id
        self.name = name
        self.email = email
        self.isAvailable = isAvailable
        self.forceOffline = forceOffline
        self.currentCustomerCount = currentCustomerCount
        self.divisions = divisions
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(Int.self, forKey: .id)
        name = try? container.decodeIfPresent(String.self, forKey: .name)
        email = try? container.decodeIfPresent(String.self, forKey: .email)
        isAvailable = (try? container.decodeIfPresent(Bool.self, forKey: .isAvailable)) ?? false
        forceOffline = (try? container.decodeIfPresent(Bool.self, forKey: .forceOffline)) ?? false
        currentCustomerCount = (try? container.decodeIfPresent(Int.self, forKey: .currentCustomerCount)) ?? 0
        // Lenient like the fields above: a `user_roles` that is not a list is [], a malformed entry is skipped.
        divisions = (try? container.decodeIfPresent(LenientList<Division>.self, forKey: .divisions))?.elements ?? []
    }

    /// Only agents that are available and not forced offline may receive rooms.
    public var isOnline: Bool { isAvailable && !forceOffline }
}
