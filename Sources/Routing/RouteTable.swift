import Crypto
import Foundation

/// The routes of the service (`ROUTES_FILE`), checked: each webhook goes to the first route, in file order,
/// whose ``Route/match`` takes it, else to the route named `default`, which is always there (with no
/// divisions and no limit when the file does not write it). Without a file there is only `default`
/// (``single``): every room goes to every online agent, as before routes.
///
/// It encodes as a routes file (`{"routes": [...]}`, the file's keys), the form its ``fingerprint`` hashes.
public struct RouteTable: Sendable, Equatable, Encodable {
    /// The fallback route's name.
    public static let defaultName = "default"
    /// The most routes a file may write.
    public static let maxRoutes = 64

    /// In file order; `default` exactly once: where written, else last.
    public let routes: [Route]
    /// Hex SHA-256 of the table's canonical encoding (sorted keys, no whitespace): the same for the same
    /// routes written as JSON or as YAML, whatever the spacing and comments.
    public let fingerprint: String
    private let defaultIndex: Int

    /// Checks `routes` as a file's would be (`fileName` names them in an error), adds `default` when they
    /// lack it, and drops a ``Route/match`` that has neither list.
    public init(routes: [Route], fileName: String = "(routes in code)") throws(RouteFileError) {
        do throws(RouteProblem) {
            self.init(checked: try Self.checked(routes))
        } catch {
            throw RouteFileError(file: fileName, error)
        }
    }

    /// `routes` already checked, `default` among them.
    init(checked routes: [Route]) {
        self.routes = routes
        defaultIndex = routes.firstIndex { $0.name == Self.defaultName }!
        fingerprint = Self.fingerprint(of: routes)
    }

    /// One route, `default`, over every online agent: the service without `ROUTES_FILE`.
    public static var single: RouteTable { RouteTable(checked: [Route(name: defaultName)]) }

    /// The names, in order.
    public var names: [String] { routes.map(\.name) }

    /// The fallback route: webhooks no other route matches.
    public var defaultRoute: Route { routes[defaultIndex] }

    /// The route called `name`.
    public func route(named name: String) -> Route? {
        routes.first { $0.name == name }
    }

    /// The route of a webhook of `channelID` and `source` (either may be unknown): the first whose match takes
    /// it, else `default`.
    public func route(channelID: Int?, source: String?) -> Route {
        routes.first { $0.matches(channelID: channelID, source: source) } ?? defaultRoute
    }

    enum CodingKeys: String, CodingKey {
        case routes
    }

    private static func fingerprint(of routes: [Route]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let canonical = try? encoder.encode(RouteTable.Canonical(routes: routes)) else {
            preconditionFailure("routes of whole numbers and text always encode")
        }
        return SHA256.hash(data: canonical).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// What the fingerprint hashes: the routes under the file's own keys.
    private struct Canonical: Encodable {
        var routes: [Route]
    }
}
