/// Why a routes file was refused (nothing of it is used): one line naming the file, the route and the field,
/// e.g. `ROUTES_FILE routes.yaml: route "sales": overflow.route "pol" is not a route`.
public struct RouteFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The environment variable that names the file, first on the line.
    public static let variable = "ROUTES_FILE"

    /// Which route the problem is in.
    public enum RouteReference: Sendable, Equatable, CustomStringConvertible {
        /// By its name (as written, also when the name itself is the problem).
        case named(String)
        /// By its place in the file, counted from 1, when it has no usable name.
        case position(Int)

        public var description: String {
            switch self {
            case .named(let name): "route \(quoted(name))"
            case .position(let position): "route #\(position)"
            }
        }
    }

    /// The file as named (the path given).
    public let file: String
    /// Nil for a problem of the whole file.
    public let route: RouteReference?
    /// The field as a path of the file's keys (`overflow.route`, `match.channel_ids`); nil for the whole file or route.
    public let field: String?
    /// What is wrong, e.g. `"pol" is not a route`.
    public let problem: String

    public init(file: String, route: RouteReference?, field: String?, problem: String) {
        self.file = file
        self.route = route
        self.field = field
        self.problem = problem
    }

    init(file: String, _ problem: RouteProblem) {
        self.init(file: file, route: problem.route, field: problem.field, problem: problem.problem)
    }

    /// The line without the variable's name: `routes.yaml: route "sales": overflow.route "pol" is not a route`.
    public var detail: String {
        var text = "\(file): "
        if let route { text += "\(route): " }
        if let field { text += "\(field) " }
        return text + problem
    }

    public var description: String { "\(Self.variable) \(detail)" }
}

/// A value quoted for one line of an error: escaped like a Swift literal, at most 64 characters.
func quoted(_ text: String) -> String {
    let shown = text.count > 64 ? String(text.prefix(64)) + "..." : text
    return String(reflecting: shown)
}
