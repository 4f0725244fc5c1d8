import Foundation
import LocalStack

/// The routed run of `allocator bench`: `sales` (channel 12, division 438), `support` (source ig, division 439)
/// and `default`, over the simulator's 20 agents: 8 in Sales, 8 in Support, 2 in both, 2 in none. Rooms take
/// turns among the three routes.
enum BenchRoutes {
    static let file = """
        {"routes": [
          {"name": "sales", "match": {"channel_ids": [12]}, "division_ids": [438]},
          {"name": "support", "match": {"sources": ["ig"]}, "division_ids": [439]}
        ]}
        """

    static func writeFile() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("caa-bench-routes-\(UUID().uuidString).json").path
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Gives the simulator's agents (ids 150001...) their divisions.
    static func configure(_ stack: LocalStack) throws {
        try stack.setAgents((0..<20).map { index in
            (id: 150_001 + index, divisions: index < 8 ? [438] : index < 16 ? [439] : index < 18 ? [438, 439] : [])
        })
    }

    /// An allocation webhook of the room's route: WhatsApp Sales, Instagram or web chat, in turn.
    static func webhook(room: String, index: Int) -> String {
        switch index % 3 {
        case 0: #"{"room_id":"\#(room)","source":"wa","channel":{"id":12,"name":"WhatsApp Sales","source":"wa"}}"#
        case 1: #"{"room_id":"\#(room)","source":"ig","channel":{"id":20,"name":"Instagram","source":"ig"}}"#
        default: #"{"room_id":"\#(room)","source":"qiscus"}"#
        }
    }
}
