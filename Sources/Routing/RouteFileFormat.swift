/// How a routes file is written, from its extension: `.json`, `.yaml` / `.yml`, else JSON tried first, then YAML.
public enum RouteFileFormat: Sendable, Equatable {
    case json
    case yaml
    /// Unknown extension: JSON, and YAML when the text is not JSON.
    case jsonOrYAML

    /// The format of the file at `path`, by its extension (in any case).
    public init(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let parts = name.split(separator: ".")
        switch parts.count > 1 ? parts.last?.lowercased() : nil {
        case "json": self = .json
        case "yaml", "yml": self = .yaml
        default: self = .jsonOrYAML
        }
    }
}
