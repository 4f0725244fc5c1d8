import Foundation

/// Where and how to connect: parsed from `redis://[user:password@]host:port/db`.
public struct RedisConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// ACL user name (Redis 6+); `nil` uses the default user.
    public var username: String?
    public var password: String?
    public var database: Int
    public var connectTimeout: Double
    /// Socket timeout for one command, in seconds; blocking commands raise it for their own call.
    public var commandTimeout: Double

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil,
                database: Int = 0, connectTimeout: Double = 2, commandTimeout: Double = 5) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// Parses a `redis://` URL. Percent-encoded user names and passwords are decoded.
    /// Throws `RedisError.invalidURL` naming the part that is wrong (never echoing the password).
    public init(url: String) throws {
        guard let components = URLComponents(string: url) else {
            throw RedisError.invalidURL("not a URL (expected redis://[user:password@]host:port/db)")
        }
        guard components.scheme?.lowercased() == "redis" else {
            throw RedisError.invalidURL("scheme must be redis:// (TLS is not supported by this build)")
        }
        guard let host = components.host, !host.isEmpty else {
            throw RedisError.invalidURL("missing host")
        }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw RedisError.invalidURL("port out of range") }
        var database = 0
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if !path.isEmpty {
            guard let db = Int(path), db >= 0 else {
                throw RedisError.invalidURL("database must be a non-negative number after the '/'")
            }
            database = db
        }
        let user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding }
        let password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.init(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port,
                  username: (user?.isEmpty ?? true) ? nil : user,
                  password: (password?.isEmpty ?? true) ? nil : password,
                  database: database)
    }

    /// The URL with the password masked, for logs.
    public var redacted: String {
        var auth = ""
        if let username { auth = username }
        if password != nil { auth += ":***" }
        if !auth.isEmpty { auth += "@" }
        return "redis://\(auth)\(host):\(port)/\(database)"
    }
}
