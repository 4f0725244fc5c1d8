import Foundation
import Routing

/// Routes files for the tests: written as text, decoded as the service would.
enum RouteFiles {
    /// The package directory, found from this file.
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The table of `text`, a file named `fileName`.
    static func table(_ text: String, format: RouteFileFormat = .json,
                      fileName: String = "routes.json") throws(RouteFileError) -> RouteTable {
        try RouteTable(decoding: Data(text.utf8), format: format, fileName: fileName)
    }

    /// Why `text` is refused; nil when it is taken.
    static func refusal(_ text: String, format: RouteFileFormat = .json,
                        fileName: String = "routes.json") -> RouteFileError? {
        do throws(RouteFileError) {
            _ = try table(text, format: format, fileName: fileName)
            return nil
        } catch {
            return error
        }
    }

    /// `{"routes": [<routes>]}`.
    static func json(_ routes: String...) -> String {
        "{\"routes\": [\(routes.joined(separator: ", "))]}"
    }
}
