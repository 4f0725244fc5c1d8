import CMicroHTTPD
#if canImport(Glibc)
import Glibc
#endif

/// libmicrohttpd's callbacks for the connection limits: the accept policy refuses a client address over
/// ``HTTPServer/Configuration/maxConnectionsPerAddress``, the connection notices keep the count per address, and
/// the message handler reports libmicrohttpd's own refusals at ``HTTPServer/Configuration/maxConnections``.
/// The count per address is taken when a connection starts and checked at accept, so it may pass the limit by
/// the few connections being accepted at that very moment.
extension HTTPServer {
    /// The text of a client address, e.g. `127.0.0.2` or `::1`.
    static func addressText(_ address: UnsafePointer<sockaddr>?) -> String? {
        guard let address else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                var raw = v4.pointee.sin_addr
                return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)).map { String(cString: $0) }
            }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                var raw = v6.pointee.sin6_addr
                return inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count)).map { String(cString: $0) }
            }
        default:
            return nil
        }
    }

    /// Whether a new connection from `address` may open.
    func admits(_ address: String) -> Bool {
        let limit = configuration.maxConnectionsPerAddress
        guard limit > 0 else { return true }
        if openByAddress.withLock({ $0[address, default: 0] }) < limit { return true }
        onRefusal(.addressLimit(address))
        return false
    }

    /// A connection from `address` started (+1) or closed (-1).
    func count(_ address: String, _ change: Int) {
        guard configuration.maxConnectionsPerAddress > 0 else { return }
        openByAddress.withLock { open in
            let now = open[address, default: 0] + change
            open[address] = now > 0 ? now : nil
        }
    }
}

let acceptPolicy: MHD_AcceptPolicyCallback = { context, address, _ in
    guard let context, let text = HTTPServer.addressText(address) else { return .YES }
    return Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().admits(text) ? .YES : .NO
}

let connectionNotice: MHD_NotifyConnectionCallback = { context, connection, _, notice in
    guard let context, let connection,
          let text = HTTPServer.addressText(caa_mhd_client_address(connection)) else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    switch notice {
    case .CONNECTION_NOTIFY_STARTED: server.count(text, 1)
    case .CONNECTION_NOTIFY_CLOSED: server.count(text, -1)
    default: break
    }
}

/// libmicrohttpd's messages: only its refusal at the connection limit is of use (the rest are its own errors,
/// which also come back as failed calls).
let messageHandler: caa_mhd_log_callback = { context, format, _ in
    guard let context, let format, strstr(format, "reached connection limit") != nil else { return }
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().onRefusal(.connectionLimit)
}
