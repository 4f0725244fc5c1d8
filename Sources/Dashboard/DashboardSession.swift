import Crypto
import Foundation

/// The dashboard's login session: a cookie value signed with a key derived from `ADMIN_TOKEN` (HMAC-SHA256),
/// carrying its own expiry, so every instance that shares the token accepts it and nothing is stored. Changing
/// the token ends every session.
///
/// Value: `v1.<expiry, s since the epoch>.<16 random bytes, base64url>.<HMAC of the first three parts, base64url>`.
/// The CSRF token of a session is another HMAC of its value: a page of the session knows it (it reads it from
/// `GET /v1/dashboard`), a cross-site page cannot.
public struct DashboardSession: Sendable {
    /// The cookie's name.
    public static let cookieName = "caa_session"
    /// How long a session lasts from login.
    public let lifetimeSeconds: Int
    /// The signing key's bytes (`SymmetricKey` is not `Sendable`: one is made per use).
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// - Parameters:
    ///   - token: `ADMIN_TOKEN`; the signing key is derived from it (HKDF-SHA256, its own label).
    ///   - lifetimeSeconds: how long a session lasts (`DASHBOARD_SESSION_HOURS`).
    public init(token: String, lifetimeSeconds: Int) {
        keyBytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(token.utf8)),
                                          info: Data("caa dashboard session v1".utf8), outputByteCount: 32)
            .withUnsafeBytes { Array($0) }
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// A new session value that expires `lifetimeSeconds` after `now`.
    public func issue(now: Date = Date()) -> String {
        var nonce = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &nonce) }
        let body = "v1.\(Int(now.timeIntervalSince1970) + lifetimeSeconds).\(Self.base64URL(Data(bytes)))"
        return "\(body).\(Self.base64URL(mac(body)))"
    }

    /// Whether `value` is a session this key signed that has not expired at `now`.
    public func isValid(_ value: String, now: Date = Date()) -> Bool {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard value.utf8.count <= 200, parts.count == 4, parts[0] == "v1", let expiry = Int(parts[1]),
              let signature = Self.data(base64URL: String(parts[3])) else { return false }
        let body = parts[0...2].joined(separator: ".")
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(body.utf8), using: key) else { return false }
        return Double(expiry) > now.timeIntervalSince1970
    }

    /// The CSRF token of a session value.
    public func csrfToken(for session: String) -> String {
        Self.base64URL(mac("csrf." + session))
    }

    /// Whether `given` is the CSRF token of `session` (compared in constant time).
    public func isCSRFToken(_ given: String, for session: String) -> Bool {
        guard let data = Self.data(base64URL: given) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(data, authenticating: Data(("csrf." + session).utf8), using: key)
    }

    private func mac(_ text: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: key))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: String) -> Data? {
        guard text.utf8.count <= 100 else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
