/// A problem found while decoding or checking routes, before the file's name is attached
/// (``RouteFileError/init(file:_:)``).
struct RouteProblem: Error {
    var route: RouteFileError.RouteReference?
    var field: String?
    var problem: String

    init(_ route: RouteFileError.RouteReference?, _ field: String?, _ problem: String) {
        self.route = route
        self.field = field
        self.problem = problem
    }

    /// The problem a decoder passed on, as it is or (Yams) wrapped as the underlying error of a
    /// `DecodingError.dataCorrupted`.
    static func thrown(in error: any Error) -> RouteProblem? {
        if let problem = error as? RouteProblem { return problem }
        if case DecodingError.dataCorrupted(let context) = error { return context.underlyingError as? RouteProblem }
        return nil
    }

    /// Why the text is not valid JSON or YAML, for a file that is not (nil for any other problem).
    var syntaxReason: String?

    /// The text is not valid `format` (`JSON`, `YAML`) for `reason`.
    static func syntax(_ format: String, _ reason: String) -> RouteProblem {
        var problem = RouteProblem(nil, nil, "not valid \(format): \(reason)")
        problem.syntaxReason = reason
        return problem
    }
}
