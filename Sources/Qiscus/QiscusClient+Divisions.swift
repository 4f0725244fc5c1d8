import Foundation
import HTTPClient

extension QiscusClient {
    /// The most pages of agents by division read for one listing: 1,000 pages of 20 (Qiscus's smallest page
    /// seen) is 20,000 agents. A `meta.total_page` above it is refused as an invalid response.
    public static let maxDivisionPages = 1_000
    /// Pages of agents by division fetched at once after the first.
    public static let divisionPagesInFlight = 4

    /// The agents of the divisions that may receive a room now (available and not forced offline), from
    /// `GET /api/v2/admin/agents/by_division?division_ids[]=438&division_ids[]=439&is_available=true&page=1
    /// &limit=50&sort=asc`.
    ///
    /// Pages are numbered from 1. Qiscus may serve fewer agents per page than `limit` asks for, so the
    /// listing follows `meta.total_page` of page 1, never the page size: page 1 first, then pages
    /// 2...total_page at most ``divisionPagesInFlight`` at a time, merged in page order. An agent listed twice
    /// (in two divisions, or moved between pages while they were read) keeps its first listing.
    /// `current_customer_count` lags real assignments by seconds, as in ``onlineAgents(room:)``.
    ///
    /// No division ids: no agents, and no call. Errors are those of ``onlineAgents(room:)``; a page 1 without
    /// a usable `meta.total_page`, or with more than ``maxDivisionPages`` pages, is `.invalidResponse`.
    public func agentsByDivision(_ divisionIDs: [Int]) async throws(QiscusError) -> [Agent] {
        var unique = Set<Int>()
        let ids = divisionIDs.filter { unique.insert($0).inserted }
        guard !ids.isEmpty else { return [] }
        let first = try await agentsByDivisionPage(ids, page: 1)
        let pageCount = try Self.pageCount(of: first)
        var pages = [first.data]
        if pageCount > 1 { pages += try await agentsByDivisionPages(ids, 2...pageCount) }
        var seen = Set<Int>()
        return pages.joined().filter { seen.insert($0.id).inserted }.filter(\.isOnline)
    }

    /// The app's divisions, from `GET /api/v2/divisions` (one answer; entries without an id are skipped).
    public func divisions() async throws(QiscusError) -> [Division] {
        let response = try await send(HTTPClientRequest(method: "GET", url: configuration.baseURL + "/api/v2/divisions",
                                                        headers: authHeaders))
        do {
            return try JSONDecoder().decode(DivisionList.self, from: response.body).data.elements
        } catch {
            throw .invalidResponse("divisions: \(error)")
        }
    }

    /// One page of agents by division (1-based).
    func agentsByDivisionPage(_ ids: [Int], page: Int) async throws(QiscusError) -> AgentsByDivisionPage {
        let query = ids.map { ("division_ids[]", String($0)) }
            + [("is_available", "true"), ("page", String(page)), ("limit", String(configuration.divisionPageSize)),
               ("sort", "asc")]
        let response = try await send(HTTPClientRequest(
            method: "GET", url: configuration.baseURL + "/api/v2/admin/agents/by_division", query: query,
            headers: authHeaders))
        do {
            return try JSONDecoder().decode(AgentsByDivisionPage.self, from: response.body)
        } catch {
            throw .invalidResponse("agents/by_division page \(page): \(error)")
        }
    }

    /// The agents of `pages`, in page order, fetched at most ``divisionPagesInFlight`` at a time. The first
    /// failure cancels the pages still in flight and is thrown.
    private func agentsByDivisionPages(_ ids: [Int], _ pages: ClosedRange<Int>) async throws(QiscusError) -> [[Agent]] {
        let outcome = await withTaskGroup(of: (Int, Result<[Agent], QiscusError>).self) { group in
            var next = pages.lowerBound
            func start() {
                let page = next
                next += 1
                group.addTask {
                    do throws(QiscusError) {
                        return (page, .success(try await self.agentsByDivisionPage(ids, page: page).data))
                    } catch {
                        return (page, .failure(error))
                    }
                }
            }
            while next <= pages.upperBound, next - pages.lowerBound < Self.divisionPagesInFlight { start() }
            var listed = [[Agent]](repeating: [], count: pages.count)
            while let (page, result) = await group.next() {
                switch result {
                case .success(let agents): listed[page - pages.lowerBound] = agents
                case .failure(let error):
                    group.cancelAll()
                    return Result<[[Agent]], QiscusError>.failure(error)
                }
                if next <= pages.upperBound { start() }
            }
            return .success(listed)
        }
        return try outcome.get()
    }

    /// How many pages page 1 says there are, at least 1.
    static func pageCount(of first: AgentsByDivisionPage) throws(QiscusError) -> Int {
        guard let totalPages = first.meta?.totalPage else {
            throw .invalidResponse("agents/by_division: page 1 has no meta.total_page, so the other pages are unknown")
        }
        guard totalPages >= 0, totalPages > 0 || first.data.isEmpty else {
            throw .invalidResponse("agents/by_division: meta.total_page \(totalPages) does not fit page 1's "
                                   + "\(first.data.count) agents")
        }
        guard totalPages <= maxDivisionPages else {
            throw .invalidResponse("agents/by_division: meta.total_page \(totalPages) is over the \(maxDivisionPages) "
                                   + "pages read at most")
        }
        return max(1, totalPages)
    }
}
