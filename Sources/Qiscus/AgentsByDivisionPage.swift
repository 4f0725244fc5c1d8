/// One page of `GET /api/v2/admin/agents/by_division`: `{"status":200,"data":[agent, ...],
/// "meta":{"limit":50,"page":1,"total":T,"total_page":P}}`. Pages are numbered from 1; Qiscus may serve
/// fewer agents per page than asked (`meta.limit` says how many), so only `meta.total_page` tells how many
/// pages there are.
public struct AgentsByDivisionPage: Codable, Sendable, Equatable {
    public struct Meta: Codable, Sendable, Equatable {
        public let limit: Int?
        public let page: Int?
        /// Agents in all pages.
        public let total: Int?
        /// How many pages there are (0 when no agent matches).
        public let totalPage: Int?

        enum CodingKeys: String, CodingKey {
            case limit, page, total
            case totalPage = "total_page"
        }

        public init(limit: Int?, page: Int?, total: Int?, totalPage: Int?) {
            self.limit = limit
            self.page = page
            self.total = total
            self.totalPage = totalPage
        }

        /// Lenient per field: a mistyped field is nil (the client then refuses the listing if it needs it).
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            limit = try? container.decodeIfPresent(Int.self, forKey: .limit)
            page = try? container.decodeIfPresent(Int.self, forKey: .page)
            total = try? container.decodeIfPresent(Int.self, forKey: .total)
            totalPage = try? container.decodeIfPresent(Int.self, forKey: .totalPage)
        }
    }

    public let status: Int?
    /// The agents of this page, online or not.
    public let data: [Agent]
    public let meta: Meta?

    public init(agents: [Agent], meta: Meta?) {
        status = 200
        data = agents
        self.meta = meta
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try? container.decodeIfPresent(Int.self, forKey: .status)
        data = try container.decode([Agent].self, forKey: .data)
        meta = try? container.decodeIfPresent(Meta.self, forKey: .meta)
    }
}
