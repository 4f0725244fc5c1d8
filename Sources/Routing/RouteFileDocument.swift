/// A routes file as written, `{"routes": [<route>, ...]}`, decoded strictly from JSON or YAML: every object
/// refuses unknown keys and every value must be of its kind. The values' ranges and the links between routes
/// are checked after, by ``RouteTable/init(routes:fileName:)``.
struct RouteFileDocument: Decodable {
    var routes: [Route]

    init(from decoder: any Decoder) throws {
        let file = try RouteFields(decoder, route: nil, path: "",
                                   notAnObject: RouteProblem(nil, nil, "must hold an object with a \"routes\" list"))
        try file.refuseUnknownKeys(["routes"])
        var list = try file.list("routes")
        routes = []
        while !list.isAtEnd {
            let position = routes.count + 1
            let entry: any Decoder
            do {
                entry = try list.superDecoder()
            } catch {
                throw RouteProblem(.position(position), nil, "can not be read")
            }
            routes.append(try Route(fileEntry: entry, position: position))
        }
    }
}
