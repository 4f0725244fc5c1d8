import Foundation
import HTTPClient
import HTTPServer
import Qiscus
import QiscusSimulator
import Synchronization
import Testing
import TestSupport

/// `QiscusClient.agentsByDivision` and `divisions` against the simulator, and against a scripted API for
/// answers the simulator never gives.
@Suite struct QiscusDivisionClientTests {
    typealias Fixture = QiscusClientTests.Fixture

    /// `count` agents from id 150001 in division 438 ("Sales"), the ones in `alsoSupport` also in 439.
    static func divisionAgents(_ count: Int, alsoSupport: Set<Int> = []) -> String {
        let agents = (0..<count).map { index in
            let id = 150_001 + index
            return #"{"id":\#(id),"divisions":\#(alsoSupport.contains(id) ? "[438,439]" : "[438]")}"#
        }
        return #"{"divisions":[{"id":438,"name":"Sales"},{"id":439,"name":"Support"}],"agents":[\#(agents.joined(separator: ","))]}"#
    }

    // MARK: - Against the simulator

    @Test func everyPageIsReadWhenQiscusServesFewerAgentsThanAsked() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", Self.divisionAgents(45))
        try fixture.control("/sim/faults", #"{"page_cap":20}"#)

        let agents = try await fixture.client().agentsByDivision([438])
        #expect(agents.map(\.id) == Array(150_001...150_045), "all three pages of 20, 20 and 5, in page order")
        #expect(agents[0].divisions == [Division(id: 438, name: "Sales")])
        let stats = fixture.simulator.stats()
        #expect(stats.byDivisionCalls == 3, "limit=50 was asked, 20 served: total_page, not the page size, decides")
        #expect(stats.apiCalls == 3)
    }

    @Test func aSinglePageMakesOneCall() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", Self.divisionAgents(50))
        let agents = try await fixture.client().agentsByDivision([438])
        #expect(agents.count == 50)
        #expect(fixture.simulator.stats().byDivisionCalls == 1)
    }

    @Test func onlyOnlineAgentsOfTheDivisionsAreListed() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", #"{"page_cap":2,"agents":["#
            + #"{"id":1,"divisions":[438]},{"id":2,"divisions":[438],"is_available":false},"#
            + #"{"id":3,"divisions":[439],"force_offline":true},{"id":4,"divisions":[439]},"#
            + #"{"id":5,"divisions":[440]},{"id":6,"divisions":[438,439]},{"id":7,"divisions":[]},"#
            + #"{"id":8,"divisions":[439],"is_available":false,"force_offline":true}]}"#)
        let client = fixture.client()
        #expect(try await client.agentsByDivision([438, 439]).map(\.id) == [1, 4, 6],
                "2 and 8 are not available, 3 is forced offline, 5 and 7 are in no asked division")
        #expect(try await client.agentsByDivision([440]).map(\.id) == [5])
        #expect(try await client.agentsByDivision([441]).isEmpty, "a division without agents: no agents")
        let calls = fixture.simulator.stats().byDivisionCalls
        #expect(try await client.agentsByDivision([]).isEmpty)
        #expect(fixture.simulator.stats().byDivisionCalls == calls, "no division ids: no call")
    }

    @Test func theLoadOfEachAgentIsReported() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", Self.divisionAgents(3))
        let client = fixture.client()
        #expect(try await client.assign(room: "11", agent: 150_002) == .assigned)
        #expect(try await client.assign(room: "12", agent: 150_002) == .assigned)
        let loads = try await client.agentsByDivision([438]).map { [$0.id, $0.currentCustomerCount] }
        #expect(loads == [[150_001, 0], [150_002, 2], [150_003, 0]])
    }

    @Test func failuresAreSortedLikeTheOtherCalls() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", Self.divisionAgents(3))
        #expect(await QiscusClientTests.failure { try await fixture.client(secretKey: "wrong").agentsByDivision([438]) }
                == .unauthorized(status: 401))
        #expect(await QiscusClientTests.failure { try await fixture.client(secretKey: "wrong").divisions() }
                == .unauthorized(status: 401))
        try fixture.control("/sim/faults", #"{"rate_limit_rate":1.0}"#)
        #expect(await QiscusClientTests.failure { try await fixture.client().agentsByDivision([438]) }
                == .rateLimited(retryAfter: 1))
        try fixture.control("/sim/faults", #"{"rate_limit_rate":0.0,"server_error_rate":1.0}"#)
        let error = await QiscusClientTests.failure { try await fixture.client().agentsByDivision([438]) }
        guard case .server(500, _)? = error else {
            Issue.record("expected .server(500), got \(String(describing: error))")
            return
        }
        #expect(error?.isRetryable == true)
    }

    @Test func divisionsAreListed() async throws {
        let fixture = try Fixture(agents: 0)
        defer { inBackground { fixture.stop() } }
        try fixture.control("/sim/agents", #"{"divisions":[{"id":438,"name":"Sales"},{"id":1,"name":"Agent","is_default_role":true}],"#
                            + #""agents":[{"id":7,"divisions":[500]}]}"#)
        let divisions = try await fixture.client().divisions()
        #expect(divisions == [Division(id: 438, name: "Sales", isDefaultRole: false),
                              Division(id: 1, name: "Agent", isDefaultRole: true),
                              Division(id: 500, name: "Division 500", isDefaultRole: false)])
        #expect(fixture.simulator.stats().divisionsCalls == 1)
    }

    // MARK: - Against a scripted API

    /// Answers `agents/by_division` by the `page` asked for (pages are fetched concurrently, so not in
    /// order), recording the requests and the most requests in flight at once.
    final class PagedAPI: Sendable {
        struct Record: Sendable {
            var requests: [ServerRequest] = []
            var inFlight = 0
            var mostInFlight = 0
        }

        final class Recorder: Sendable {
            let record = Mutex(Record())
            func withLock<T>(_ body: (inout Record) -> T) -> T { record.withLock { body(&$0) } }
        }

        let server: HTTPServer
        let baseURL: String
        let record: Recorder
        let clients = Mutex<[Running<HTTPMultiClient>]>([])

        /// - Parameter pages: the answer of each page number; another page is a 404.
        init(pages: [Int: ServerResponse], delay: Double = 0) throws {
            var router = Router()
            let record = Recorder()
            self.record = record
            router.on("GET", "/api/v2/admin/agents/by_division") { request in
                record.withLock {
                    $0.requests.append(request)
                    $0.inFlight += 1
                    $0.mostInFlight = max($0.mostInFlight, $0.inFlight)
                }
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                record.withLock { $0.inFlight -= 1 }
                return Int(request.query["page"] ?? "").flatMap { pages[$0] } ?? .text("no such page", status: 404)
            }
            server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threads: 0), router: router)
            try server.start()
            baseURL = "http://127.0.0.1:\(server.port)"
        }

        func client() -> QiscusClient {
            QiscusClientTests.client(.init(baseURL: baseURL, appID: "app-1", secretKey: "key-1", timeout: 5),
                                     keptIn: clients)
        }
    }

    /// A page of agents by division: each agent `{"id":<id>,"is_available":true}` unless listed in `offline`.
    static func page(_ ids: [Int], offline: Set<Int> = [], meta: String) -> ServerResponse {
        let agents = ids.map { #"{"id":\#($0),"is_available":\#(!offline.contains($0)),"force_offline":false}"# }
        return .text(#"{"status":200,"data":[\#(agents.joined(separator: ","))],"meta":\#(meta)}"#)
    }

    static func meta(page: Int, totalPage: Int) -> String {
        #"{"limit":20,"page":\#(page),"total":\#(totalPage * 20),"total_page":\#(totalPage)}"#
    }

    @Test func requestsCarryRepeatedDivisionIDsAndThePageAndFixturePagesMerge() async throws {
        let api = try PagedAPI(pages: [
            1: ServerResponse(status: 200, body: try QiscusPayloadTests.fixture("agents-by-division")),
            2: Self.page([150_852, 150_853], meta: #"{"limit":2,"page":2,"total":3,"total_page":2}"#),
        ])
        defer { inBackground { api.server.stop() } }
        let agents = try await api.client().agentsByDivision([438, 439, 438])
        #expect(agents.map(\.id) == [150_851, 150_852, 150_853], "Sari, on both pages, is listed once")
        #expect(agents[1].divisions.map(\.id) == [438, 439], "the first listing of an agent wins")

        let requests = api.record.withLock { $0.requests }.sorted { ($0.query["page"] ?? "") < ($1.query["page"] ?? "") }
        try #require(requests.count == 2)
        for (index, request) in requests.enumerated() {
            #expect(request.header("Qiscus-App-Id") == "app-1")
            #expect(request.header("Qiscus-Secret-Key") == "key-1")
            #expect(request.queryItems.map { "\($0.name)=\($0.value)" }
                    == ["division_ids[]=438", "division_ids[]=439", "is_available=true", "page=\(index + 1)",
                        "limit=50", "sort=asc"], "each division once, then the page")
        }
    }

    @Test func pagesAreFetchedAtMostFourAtATimeAndMergedInPageOrder() async throws {
        var pages: [Int: ServerResponse] = [:]
        for number in 1...10 {
            pages[number] = Self.page([number * 10, number * 10 + 1], offline: [number * 10 + 1],
                                      meta: Self.meta(page: number, totalPage: 10))
        }
        let api = try PagedAPI(pages: pages, delay: 0.05)
        defer { inBackground { api.server.stop() } }
        let agents = try await api.client().agentsByDivision([438])
        #expect(agents.map(\.id) == (1...10).map { $0 * 10 }, "page order, offline agents dropped")
        let record = api.record.withLock { $0 }
        #expect(record.requests.count == 10)
        #expect(record.mostInFlight <= 4, "page 1 alone, then at most four pages at a time (\(record.mostInFlight))")
        #expect(record.mostInFlight > 1, "pages after the first are fetched concurrently")
    }

    @Test func aFailingPageFailsTheListing() async throws {
        let api = try PagedAPI(pages: [
            1: Self.page([1], meta: Self.meta(page: 1, totalPage: 3)),
            2: Self.page([2], meta: Self.meta(page: 2, totalPage: 3)),
            3: .text(#"{"errors":"slow down"}"#, status: 429),
        ])
        defer { inBackground { api.server.stop() } }
        #expect(await QiscusClientTests.failure { try await api.client().agentsByDivision([438]) }
                == .rateLimited(retryAfter: nil))
    }

    @Test func missingOrInconsistentMetaIsAnInvalidResponse() async throws {
        let cases: [(String, ServerResponse)] = [
            ("no meta", .text(#"{"status":200,"data":[{"id":1,"is_available":true}]}"#)),
            ("no total_page", Self.page([1], meta: #"{"limit":20,"page":1,"total":1}"#)),
            ("total_page not a number", Self.page([1], meta: #"{"total_page":"2"}"#)),
            ("negative total_page", Self.page([1], meta: #"{"total_page":-1}"#)),
            ("agents but no page", Self.page([1], meta: #"{"total":1,"total_page":0}"#)),
            ("over the page cap", Self.page([1], meta: #"{"total":1000001,"total_page":1001}"#)),
            ("data not a list", .text(#"{"status":200,"data":{"agents":[]},"meta":{"total_page":1}}"#)),
            ("an agent without id", .text(#"{"status":200,"data":[{"name":"x"}],"meta":{"total_page":1}}"#)),
        ]
        for (label, answer) in cases {
            let api = try PagedAPI(pages: [1: answer])
            defer { inBackground { api.server.stop() } }
            let error = await QiscusClientTests.failure { try await api.client().agentsByDivision([438]) }
            guard case .invalidResponse(let message)? = error else {
                Issue.record("\(label): expected .invalidResponse, got \(String(describing: error))")
                continue
            }
            #expect(message.contains("by_division"), "\(label): \(message)")
            #expect(api.record.withLock { $0.requests.count } == 1, "\(label): no page after page 1 was asked")
        }
        let empty = try PagedAPI(pages: [1: Self.page([], meta: #"{"limit":50,"page":1,"total":0,"total_page":0}"#)])
        defer { inBackground { empty.server.stop() } }
        #expect(try await empty.client().agentsByDivision([438]).isEmpty, "no agents, no pages: an empty listing")
        let atTheCap = try PagedAPI(pages: [1: Self.page([1], meta: #"{"total_page":1000}"#)])
        defer { inBackground { atTheCap.server.stop() } }
        let error = await QiscusClientTests.failure { try await atTheCap.client().agentsByDivision([438]) }
        #expect(error == .rejected(status: 404, message: "no such page"), "1,000 pages are read (page 2 is not scripted)")
    }
}
