import Foundation

/// Rows of text in columns, each as wide as its widest cell, for the verbs that print tables.
struct TextTable {
    let header: [String]
    var rows: [[String]] = []

    /// The header and the rows, one line each, columns two spaces apart (the last one not padded).
    var text: String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
        }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    /// A span of time for people: `850ms`, `42s`, `3m05s`, `2h10m`, `3d04h`.
    static func age(milliseconds: Int) -> String {
        let seconds = milliseconds / 1000
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        switch seconds {
        case ..<1: return "\(max(0, milliseconds))ms"
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m\(two(seconds % 60))s"
        case ..<86_400: return "\(seconds / 3600)h\(two(seconds / 60 % 60))m"
        default: return "\(seconds / 86_400)d\(two(seconds / 3600 % 24))h"
        }
    }
}
