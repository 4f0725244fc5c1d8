import Foundation

/// A cookie as chromium holds it (`Network.Cookie`), `HttpOnly` ones included.
public struct BrowserCookie: Sendable, Equatable, Decodable {
    public let name: String
    public let value: String
    public let domain: String
    public let path: String
    /// Seconds since 1970; -1 for a session cookie.
    public let expires: Double
    public let httpOnly: Bool
    public let secure: Bool
    public let session: Bool
    /// `Strict`, `Lax` or `None`; `nil` when the cookie did not say.
    public let sameSite: String?
}
