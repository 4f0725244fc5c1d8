import AllocatorService
import ArgumentParser
import Foundation

/// `allocator queue`: the rooms waiting in each route's queue, head first, with their places in line and their
/// waits, as `GET /v1/queue` shows them.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the rooms waiting in each route's queue with their places (as GET /v1/queue).")

    @OptionGroup var options: StoreOptions

    @Option(help: "Only this route of ROUTES_FILE (default: every route, in file order).")
    var route: String?

    @Option(help: "The most rooms shown per route, 1-1000.")
    var limit = 100

    @Flag(help: "Print the JSON of GET /v1/queue instead of text.")
    var json = false

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1-1000") }
    }

    func run() async throws {
        let reader = try await AdminReader.load(options)
        let names = reader.config.routes.names
        if let route, !names.contains(route) {
            throw ValidationError("--route must be one of: \(names.joined(separator: ", "))")
        }
        let rooms = try await reader.queue(routes: route.map { [$0] } ?? names, limit: limit)
        print(json ? try Self.json(rooms) : Self.text(rooms))
    }

    /// `{"rooms":[...]}`, keys sorted.
    static func json(_ rooms: [QueueEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(["rooms": rooms]), as: UTF8.self)
    }

    /// One line per room under a header, route by route; a line saying so when no room waits.
    static func text(_ rooms: [QueueEntry]) -> String {
        guard !rooms.isEmpty else { return "no room waits" }
        var table = TextTable(header: ["ROUTE", "POSITION", "ROOM", "WAITED"])
        for room in rooms {
            table.rows.append([room.route, String(room.position), room.roomID, TextTable.age(milliseconds: room.waitedMilliseconds)])
        }
        return table.text
    }
}
