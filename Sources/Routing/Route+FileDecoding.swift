extension Route {
    /// The fields of a route in the file, in the order they are written in the documentation.
    static let fileKeys = CodingKeys.allCases.map(\.rawValue)

    /// Decodes the route at `position` (counted from 1) of a file.
    init(fileEntry decoder: any Decoder, position: Int) throws(RouteProblem) {
        let fields = try RouteFields(decoder, route: .position(position), path: "",
                                     notAnObject: RouteProblem(.position(position), nil, "must be an object"))
        let name = try fields.required(CodingKeys.name.rawValue, String.self, expected: "text")
        // From here on the route is named by its name, even one the checks will refuse.
        let route = RouteFields(renaming: fields, to: .named(name))
        try route.refuseUnknownKeys(Self.fileKeys)
        self.init(name: name)
        if let match = try route.object(CodingKeys.match.rawValue) {
            try match.refuseUnknownKeys(RouteMatch.CodingKeys.allCases.map(\.rawValue))
            self.match = RouteMatch(
                channelIDs: try match.optional(RouteMatch.CodingKeys.channelIDs.rawValue, [Int].self,
                                               expected: RouteTable.positiveIDs) ?? [],
                sources: try match.optional(RouteMatch.CodingKeys.sources.rawValue, [String].self,
                                            expected: RouteTable.nonEmptyTexts) ?? [])
        }
        divisionIDs = try route.optional(CodingKeys.divisionIDs.rawValue, [Int].self,
                                         expected: RouteTable.positiveIDs) ?? []
        maxCustomersPerAgent = try route.optional(CodingKeys.maxCustomersPerAgent.rawValue, Int.self,
                                                  expected: RouteTable.limitRange)
        if let overflow = try route.object(CodingKeys.overflow.rawValue) {
            try overflow.refuseUnknownKeys(RouteOverflow.CodingKeys.allCases.map(\.rawValue))
            self.overflow = RouteOverflow(
                route: try overflow.required(RouteOverflow.CodingKeys.route.rawValue, String.self,
                                             expected: "the name of another route"),
                afterSeconds: try overflow.required(RouteOverflow.CodingKeys.afterSeconds.rawValue, Int.self,
                                                    expected: RouteTable.overflowRange))
        }
    }
}
