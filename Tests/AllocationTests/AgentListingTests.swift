import Allocation
import Testing

/// `AgentListing.window`: which agents one reservation is offered, and how the estimates of this instance's
/// reservations reorder them.
@Suite struct AgentListingTests {
    /// A listing of agents with ids `1...loads.count`, Qiscus reporting `loads[id - 1]` for each.
    static func listing(_ loads: [Int], limits: [Int: Int] = [:]) -> AgentListing {
        AgentListing(agents: loads.enumerated().map { AgentCandidate(id: $0 + 1, reportedLoad: $1, limit: limits[$0 + 1]) },
                     startedAt: .now)
    }

    static func ids(_ window: AgentListing.Window) -> [Int] { window.candidates.map(\.id) }

    @Test(arguments: AllocationStrategy.allCases)
    func aListingThatFitsIsOfferedWholeInListingOrder(strategy: AllocationStrategy) {
        let listing = Self.listing([5, 0, 9, 1, 2, 2, 0])
        let window = listing.window(size: 64, excluding: [], strategy: strategy, limit: 2)
        #expect(window.candidates == listing.agents, "every agent, full ones included, in listing order")
        #expect(!window.more)
        let exact = Self.listing(Array(repeating: 0, count: 64)).window(size: 64, excluding: [], strategy: strategy, limit: 2)
        #expect(exact.candidates.count == 64 && !exact.more, "exactly one window's worth is the fast path too")
    }

    @Test func theWindowIsTheLeastLoadedAgentsInListingOrder() {
        // Loads 0...199 scattered over the listing: the window is the agents of loads 0...63, wherever they stand.
        let loads = (0..<200).map { ($0 * 77) % 200 }
        let listing = Self.listing(loads)
        let window = listing.window(size: 64, excluding: [], strategy: .leastLoaded, limit: 1_000)
        let expected = (1...200).filter { loads[$0 - 1] < 64 }
        #expect(window.more)
        #expect(Self.ids(window) == expected, "the 64 lowest loads, in listing order (not in load order)")
        #expect(window.candidates.count == 64)
    }

    @Test func equalLoadsAreTakenInListingOrder() {
        let listing = Self.listing(Array(repeating: 1, count: 100) + Array(repeating: 0, count: 100))
        let window = listing.window(size: 64, excluding: [], strategy: .leastLoaded, limit: 5)
        #expect(Self.ids(window) == Array(101...164))
    }

    @Test func inOrderTakesTheFirstAgentsNotEstimatedFull() {
        // Limit 2: every third agent is full (load 2), the others have room whatever their load.
        let loads = (0..<200).map { $0 % 3 == 0 ? 2 : $0 % 2 }
        let listing = Self.listing(loads)
        let window = listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 2)
        let expected = Array((1...200).filter { loads[$0 - 1] < 2 }.prefix(64))
        #expect(Self.ids(window) == expected)
        #expect(window.more)
    }

    @Test func agentsEstimatedFullComeLastWhenTooFewHaveRoom() {
        let loads = (0..<100).map { $0 < 50 ? 3 : 0 }
        let listing = Self.listing(loads)
        for strategy in AllocationStrategy.allCases {
            let window = listing.window(size: 64, excluding: [], strategy: strategy, limit: 3)
            #expect(Self.ids(window) == Array(1...14) + Array(51...100),
                    "\(strategy): the 50 with room, then full ones in order")
        }
    }

    @Test(arguments: AllocationStrategy.allCases)
    func triedAgentsAreNotOfferedAgain(strategy: AllocationStrategy) {
        let listing = Self.listing(Array(repeating: 0, count: 150))
        var tried = Set<Int>()
        var offered: [[Int]] = []
        while true {
            let window = listing.window(size: 64, excluding: tried, strategy: strategy, limit: 1)
            offered.append(Self.ids(window))
            tried.formUnion(Self.ids(window))
            if !window.more { break }
        }
        #expect(offered == [Array(1...64), Array(65...128), Array(129...150)], "three windows, each agent once")
        let none = listing.window(size: 64, excluding: Set(1...150), strategy: strategy, limit: 1)
        #expect(none == .none)
    }

    @Test func aReservedAgentMovesBehindTheLessLoaded() {
        let listing = Self.listing(Array(repeating: 0, count: 100))
        listing.noteReserved(agent: 1, load: 1)
        let window = listing.window(size: 64, excluding: [], strategy: .leastLoaded, limit: 5)
        #expect(Self.ids(window) == Array(2...65), "agent 1 now holds one more room than the others")
        // In order, only being full moves an agent back.
        #expect(Self.ids(listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 5)) == Array(1...64))
        listing.noteReserved(agent: 2, load: 5)
        #expect(Self.ids(listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 5)) == [1] + Array(3...65))
    }

    @Test func anEstimateNeverGoesDownAndUnknownAgentsAreIgnored() {
        let listing = Self.listing(Array(repeating: 0, count: 100))
        listing.noteReserved(agent: 3, load: 2)
        listing.noteReserved(agent: 3, load: 1) // an older answer arriving late
        listing.noteReserved(agent: 999, load: 7)
        listing.noteFull([AgentCandidate(id: 998, reportedLoad: 0)], limit: 1)
        let window = listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 2)
        #expect(Self.ids(window) == [1, 2] + Array(4...65), "agent 3 is still estimated full")
    }

    @Test(arguments: AllocationStrategy.allCases)
    func agentsFoundFullSortBehindTheOthers(strategy: AllocationStrategy) {
        let listing = Self.listing(Array(repeating: 0, count: 200))
        listing.noteFull(listing.agents.prefix(64).map { $0 }, limit: 2)
        let window = listing.window(size: 64, excluding: [], strategy: strategy, limit: 2)
        #expect(Self.ids(window) == Array(65...128))
        #expect(window.more)
    }

    @Test func anAgentsOwnLimitDecidesWhetherItIsFull() {
        // Agent 1: load 3 under its own limit 5, so not full; agent 2: load 2 at the passed limit 2 (it has none).
        var loads = Array(repeating: 0, count: 100)
        (loads[0], loads[1]) = (3, 2)
        let listing = Self.listing(loads, limits: [1: 5])
        let window = listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 2)
        #expect(Self.ids(window) == [1] + Array(3...65))
        // Found full, agent 1 is estimated at its own limit (5), which is full for it.
        listing.noteFull([listing.agents[0]], limit: 2)
        #expect(Self.ids(listing.window(size: 64, excluding: [], strategy: .inOrder, limit: 2)) == Array(3...66))
        // Everyone at 2 and only agent 100 with a limit of its own (9): it alone has room, so it is in the window
        // though it is listed last.
        let own = Self.listing(loads.map { _ in 2 }, limits: [100: 9])
        for strategy in AllocationStrategy.allCases {
            #expect(Self.ids(own.window(size: 64, excluding: [], strategy: strategy, limit: 2)) == Array(1...63) + [100],
                    "\(strategy)")
        }
    }
}
