/// Where a room of a ``Route`` goes when it has waited ``afterSeconds`` unassigned: the route named ``route``
/// (another route of the same table).
public struct RouteOverflow: Sendable, Equatable, Encodable {
    public var route: String
    /// 0...86400.
    public var afterSeconds: Int

    public init(route: String, afterSeconds: Int) {
        self.route = route
        self.afterSeconds = afterSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case route
        case afterSeconds = "after_seconds"
    }
}
