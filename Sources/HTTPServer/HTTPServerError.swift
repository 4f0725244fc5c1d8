/// Why the server could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host is not an IPv4/IPv6 literal, or the port is taken or not allowed.
    case startFailed(host: String, port: UInt16)

    public var description: String {
        switch self {
        case .startFailed(let host, let port):
            return "cannot listen on \(host):\(port) (address in use, not permitted, or not an IP literal)"
        }
    }
}
