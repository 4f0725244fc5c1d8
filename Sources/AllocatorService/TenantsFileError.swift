/// Why a tenants file was refused (nothing of it is used): one line naming the file, the app and the field, e.g.
/// `TENANTS_FILE tenants.yaml: app "shop-a": max_customers_per_agent must be an integer in 1...10000`.
public struct TenantsFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public static let variable = "TENANTS_FILE"

    public let file: String
    /// The app by its id, or `#<n>` (counted from 1) when it has no usable id; nil for the whole file.
    public let app: String?
    public let field: String?
    public let problem: String

    public init(file: String, app: String?, field: String?, problem: String) {
        self.file = file
        self.app = app
        self.field = field
        self.problem = problem
    }

    public var description: String {
        var line = "\(Self.variable) \(file):"
        if let app { line += " app \(app):" }
        if let field { line += " \(field)" }
        return line + " \(problem)"
    }
}
