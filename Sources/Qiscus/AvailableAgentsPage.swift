/// One page of `GET /api/v2/admin/service/available_agents`.
public struct AvailableAgentsPage: Codable, Sendable, Equatable {
    public struct Data: Codable, Sendable, Equatable {
        public let agents: [Agent]
    }

    public struct Meta: Codable, Sendable, Equatable {
        /// The cursor of the next page, or nil on the last page.
        public let after: String?
        public let before: String?
        public let perPage: Int?
        public let totalCount: Int?

        enum CodingKeys: String, CodingKey {
            case after, before
            case perPage = "per_page"
            case totalCount = "total_count"
        }
    }

    public let status: Int?
    public let data: Data
    public let meta: Meta?

    public init(agents: [Agent], after: String?, perPage: Int, totalCount: Int) {
        status = 200
        data = Data(agents: agents)
        meta = Meta(after: after, before: nil, perPage: perPage, totalCount: totalCount)
    }
}
