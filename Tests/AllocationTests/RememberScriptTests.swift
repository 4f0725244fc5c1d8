import Allocation
import Redis
import Testing

/// `lua/remember.lua`: agents' cards and when a listing last showed them online.
@Suite struct RememberScriptTests {
    @Test func storesCardsAndTheTimeEachAgentWasSeen() async throws {
        let f = try StoreFixture()
        let before = try await f.redisMicroseconds() / 1000
        let budi = #"{"name":"Budi","email":"budi@example.com","divisions":[1]}"#
        let sari = #"{"name":"Sari","email":"sari@example.com","divisions":[1,2]}"#
        let remembered = try await f.store.run(Remember(cards: [(7, budi), (8, sari)]))
        #expect(remembered.code == .remembered && remembered.agents == 2)
        #expect(try await f.hash(f.keys.agents) == ["7": budi, "8": sari])
        let seen = try await f.hash(f.keys.seen).compactMapValues { Int($0) }
        let after = try await f.redisMicroseconds() / 1000
        #expect(seen.count == 2 && seen.values.allSatisfy { (before...after).contains($0) }, "\(seen) not in \(before)...\(after)")
    }

    @Test func anEmptyCardKeepsTheStoredOneAndOnlyMarksTheAgentSeen() async throws {
        let f = try StoreFixture()
        try await f.store.run(Remember(cards: [(7, #"{"name":"Budi"}"#)]))
        try await f.redis.execute(["HSET", f.keys.seen, "7", "1"])
        #expect(try await f.store.run(Remember(cards: [(7, ""), (9, "")])).agents == 2)
        #expect(try await f.hash(f.keys.agents) == ["7": #"{"name":"Budi"}"#], "no card is stored for an agent given none")
        let seen = try await f.hash(f.keys.seen)
        #expect(seen.keys.sorted() == ["7", "9"] && seen["7"] != "1", "both are seen now")
        #expect(try await f.store.run(Remember(cards: [(7, #"{"name":"Budi S."}"#)])).agents == 1)
        #expect(try await f.hash(f.keys.agents)["7"] == #"{"name":"Budi S."}"#, "a new card replaces the old")
    }

    @Test func takesFiveHundredAgentsAndCardsOf2048Bytes() async throws {
        let f = try StoreFixture()
        #expect(try await f.store.run(Remember(cards: [])).agents == 0)
        let card = String(repeating: "x", count: 2048)
        let cards = (1...500).map { (agent: $0, card: $0 == 1 ? card : "{}") }
        #expect(try await f.store.run(Remember(cards: cards)).agents == 500)
        #expect(try await f.hash(f.keys.seen).count == 500)
        #expect(try await f.hash(f.keys.agents)["1"] == card)
    }

    /// ARGV of `count` agents with the card `{}`.
    static func pairs(_ count: Int) -> [String] {
        (1...count).flatMap { [String($0), "{}"] }
    }

    /// ARGV: pairs of agent id and card.
    @Test(arguments: [
        (["7"], "pairs"), (["7", "{}", "8"], "pairs"), (Self.pairs(501), "pairs"),
        (["x", "{}"], "agent id"), (["7", "{}", "", "{}"], "agent id"), ([String(repeating: "1", count: 21), "{}"], "agent id"),
        (["7", String(repeating: "x", count: 2049)], "card"), (["7", "{}", "8", String(repeating: "x", count: 2049)], "card"),
    ])
    func refusesBadArgumentsWithoutWriting(arguments: [String], mentioning text: String) async throws {
        let f = try StoreFixture()
        try await f.store.run(Remember(cards: [(7, "{}")]))
        try await f.expectRefusal(Remember.self, arguments, mentioning: text)
    }
}
