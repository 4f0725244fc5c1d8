/// One object of a routes file (the file itself, a route, its `match` or `overflow`), read strictly: unknown
/// keys are refused, and a value of the wrong kind is a ``RouteProblem`` naming the field's path.
struct RouteFields {
    let container: KeyedDecodingContainer<FieldKey>
    let route: RouteFileError.RouteReference?
    /// The object's own path with a trailing dot (`overflow.`), empty for a route or the file.
    let path: String

    /// The object `decoder` holds; `notAnObject` when it holds something else.
    init(_ decoder: any Decoder, route: RouteFileError.RouteReference?, path: String,
         notAnObject: RouteProblem) throws(RouteProblem) {
        do {
            container = try decoder.container(keyedBy: FieldKey.self)
        } catch {
            throw notAnObject
        }
        self.route = route
        self.path = path
    }

    private init(container: KeyedDecodingContainer<FieldKey>, route: RouteFileError.RouteReference?, path: String) {
        self.container = container
        self.route = route
        self.path = path
    }

    /// The same object, its problems named by `route`.
    init(renaming fields: RouteFields, to route: RouteFileError.RouteReference) {
        self.init(container: fields.container, route: route, path: fields.path)
    }

    /// Refuses a key not among `known` (the first in sorted order, as decoders give keys in no set order): a
    /// misspelt field must not be silently ignored.
    func refuseUnknownKeys(_ known: [String]) throws(RouteProblem) {
        if let unknown = container.allKeys.map(\.stringValue).filter({ !known.contains($0) }).sorted().first {
            throw RouteProblem(route, path + Self.shown(unknown),
                               "is not a known field (known: \(known.joined(separator: ", ")))")
        }
    }

    /// Whether `key` is present with a value other than null.
    func has(_ key: String) -> Bool {
        container.contains(FieldKey(stringValue: key))
            && ((try? container.decodeNil(forKey: FieldKey(stringValue: key))) == false)
    }

    /// The value of `key`, nil when absent or null; a value not of `type` is refused as not being `expected`.
    func optional<T: Decodable>(_ key: String, _ type: T.Type, expected: String) throws(RouteProblem) -> T? {
        guard has(key) else { return nil }
        do {
            return try container.decode(type, forKey: FieldKey(stringValue: key))
        } catch {
            throw RouteProblem(route, path + key, "must be \(expected)")
        }
    }

    /// The value of `key`, which must be present.
    func required<T: Decodable>(_ key: String, _ type: T.Type, expected: String) throws(RouteProblem) -> T {
        guard let value = try optional(key, type, expected: expected) else {
            throw RouteProblem(route, path + key, "is missing")
        }
        return value
    }

    /// The object under `key`, nil when absent or null.
    func object(_ key: String) throws(RouteProblem) -> RouteFields? {
        guard has(key) else { return nil }
        do {
            return RouteFields(container: try container.nestedContainer(keyedBy: FieldKey.self,
                                                                         forKey: FieldKey(stringValue: key)),
                               route: route, path: "\(path)\(key).")
        } catch {
            throw RouteProblem(route, path + key, "must be an object")
        }
    }

    /// The list under `key`, which must be present.
    func list(_ key: String) throws(RouteProblem) -> any UnkeyedDecodingContainer {
        guard has(key) else { throw RouteProblem(route, path + key, "is missing") }
        do {
            return try container.nestedUnkeyedContainer(forKey: FieldKey(stringValue: key))
        } catch {
            throw RouteProblem(route, path + key, "must be a list")
        }
    }

    /// A key as shown in a field path: quoted unless it is plain lowercase letters, digits and underscores.
    private static func shown(_ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        return plain ? key : quoted(key)
    }
}
