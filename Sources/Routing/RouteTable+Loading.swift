import Foundation
import Yams

extension RouteTable {
    /// Reads and checks the routes file at `path` (relative to the working directory unless absolute), in the
    /// format its extension names (``RouteFileFormat/init(path:)``). Nothing partial: any problem is thrown.
    public static func load(path: String) throws(RouteFileError) -> RouteTable {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw RouteFileError(file: path, route: nil, field: nil, problem: "can not be read: \(reason(error))")
        }
        return try RouteTable(decoding: data, format: RouteFileFormat(path: path), fileName: path)
    }

    /// Decodes and checks a routes file's contents; `fileName` names it in an error.
    public init(decoding data: Data, format: RouteFileFormat, fileName: String) throws(RouteFileError) {
        do throws(RouteProblem) {
            let document: RouteFileDocument
            switch format {
            case .json:
                document = try Self.decodeJSON(data)
            case .yaml:
                document = try Self.decodeYAML(data)
            case .jsonOrYAML:
                // A JSON syntax error sends the text to YAML; any other problem is the file's.
                do throws(RouteProblem) {
                    document = try Self.decodeJSON(data)
                } catch where error.syntaxReason != nil {
                    do throws(RouteProblem) {
                        document = try Self.decodeYAML(data)
                    } catch {
                        guard let reason = error.syntaxReason else { throw error }
                        throw RouteProblem(nil, nil, "not valid JSON or YAML (as YAML: \(reason))")
                    }
                }
            }
            self.init(checked: try Self.checked(document.routes))
        } catch {
            throw RouteFileError(file: fileName, error)
        }
    }

    private static func decodeJSON(_ data: Data) throws(RouteProblem) -> RouteFileDocument {
        do {
            return try JSONDecoder().decode(RouteFileDocument.self, from: data)
        } catch {
            if let problem = RouteProblem.thrown(in: error) { throw problem }
            // JSONDecoder does not say where; JSONSerialization does ("around character 10").
            var detail = error
            do { _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch { detail = error }
            throw RouteProblem.syntax("JSON", reason(detail))
        }
    }

    private static func decodeYAML(_ data: Data) throws(RouteProblem) -> RouteFileDocument {
        do {
            return try YAMLDecoder().decode(RouteFileDocument.self, from: data)
        } catch {
            if let problem = RouteProblem.thrown(in: error) { throw problem }
            throw RouteProblem.syntax("YAML", reason(error))
        }
    }

    /// A decoder's or the file system's error as one short line: the position and problem for YAML, the
    /// debug description for JSON, the system's words for a file that can not be read.
    private static func reason(_ error: any Error) -> String {
        var error = error
        if case DecodingError.dataCorrupted(let context) = error, let underlying = context.underlyingError {
            error = underlying
        }
        let text: String
        switch error {
        case YamlError.scanner(_, let problem, let mark, _), YamlError.parser(_, let problem, let mark, _),
             YamlError.composer(_, let problem, let mark, _):
            text = "line \(mark.line), column \(mark.column): \(problem)"
        case YamlError.duplicatedKeysInMapping(let duplicates, let context):
            text = "line \(context.mark.line), column \(context.mark.column): duplicated key \(duplicates.joined(separator: ", "))"
        default:
            let nsError = error as NSError
            if let posix = nsError.userInfo[NSUnderlyingErrorKey] as? POSIXError {
                text = String(cString: strerror(posix.code.rawValue)) // "No such file or directory"
            } else {
                text = nsError.userInfo[NSDebugDescriptionErrorKey] as? String ?? nsError.localizedDescription
            }
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
