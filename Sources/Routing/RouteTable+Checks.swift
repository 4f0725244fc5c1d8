extension RouteTable {
    /// What a value must be, for the errors of the decoding and of the checks alike.
    static let positiveIDs = "a list of positive whole numbers"
    static let nonEmptyTexts = "a list of non-empty texts"
    static let limits = 1...10_000
    static let limitRange = "a whole number in \(limits.lowerBound)...\(limits.upperBound)"
    static let overflowSeconds = 0...86_400
    static let overflowRange = "a whole number of seconds in \(overflowSeconds.lowerBound)...\(overflowSeconds.upperBound)"

    /// `routes` checked in order (the first problem is thrown), with `default` added last when missing and
    /// every match without lists dropped.
    static func checked(_ routes: [Route]) throws(RouteProblem) -> [Route] {
        guard routes.count <= maxRoutes else {
            throw RouteProblem(nil, "routes", "has \(routes.count) routes; at most \(maxRoutes)")
        }
        let names = Set(routes.map(\.name)).union([defaultName])
        var result: [Route] = []
        for (index, written) in routes.enumerated() {
            var route = written
            let reference = RouteFileError.RouteReference.named(route.name)
            guard isValidName(route.name) else {
                throw RouteProblem(reference, "name", "must be 1-32 characters of a-z, 0-9, _ and -, "
                                   + "the first a letter or digit")
            }
            if let earlier = routes[..<index].firstIndex(where: { $0.name == route.name }) {
                throw RouteProblem(reference, "name", "is also the name of route #\(earlier + 1)")
            }
            if let match = route.match {
                guard route.name != defaultName else {
                    throw RouteProblem(reference, "match", "is refused on the default route: it takes every webhook "
                                       + "that no other route matches")
                }
                if let bad = match.channelIDs.first(where: { $0 <= 0 }) {
                    throw RouteProblem(reference, "match.channel_ids", "must be \(positiveIDs), got \(bad)")
                }
                if match.sources.contains("") {
                    throw RouteProblem(reference, "match.sources", "must be \(nonEmptyTexts), got \"\"")
                }
                if match.isEmpty { route.match = nil }
            }
            if let bad = route.divisionIDs.first(where: { $0 <= 0 }) {
                throw RouteProblem(reference, "division_ids", "must be \(positiveIDs), got \(bad)")
            }
            if let limit = route.maxCustomersPerAgent, !limits.contains(limit) {
                throw RouteProblem(reference, "max_customers_per_agent", "must be \(limitRange), got \(limit)")
            }
            if let overflow = route.overflow {
                guard names.contains(overflow.route) else {
                    throw RouteProblem(reference, "overflow.route", "\(quoted(overflow.route)) is not a route")
                }
                guard overflow.route != route.name else {
                    throw RouteProblem(reference, "overflow.route", "can not be the route itself")
                }
                guard overflowSeconds.contains(overflow.afterSeconds) else {
                    throw RouteProblem(reference, "overflow.after_seconds",
                                       "must be \(overflowRange), got \(overflow.afterSeconds)")
                }
            }
            result.append(route)
        }
        if !result.contains(where: { $0.name == defaultName }) {
            result.append(Route(name: defaultName))
        }
        return result
    }

    /// `^[a-z0-9][a-z0-9_-]{0,31}$`.
    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        func isLetterOrDigit(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard let first = bytes.first, bytes.count <= 32, isLetterOrDigit(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLetterOrDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }
}
