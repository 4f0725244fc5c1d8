import Foundation

/// The dashboard's files, compiled into the binary (SwiftPM's `embedInCode`): no CDN, no files to ship beside the
/// binary, nothing fetched at run time. Each file holds only static text; data reaches the page as JSON.
public struct DashboardAsset: Sendable {
    public let contentType: String
    public let body: Data

    /// The dashboard page (the shell the script fills in).
    public static let page = DashboardAsset(contentType: "text/html; charset=utf-8", body: Data(PackageResources.dashboard_html))

    /// The files under `/dashboard/assets/`, by name.
    public static let files: [String: DashboardAsset] = [
        "dashboard.js": DashboardAsset(contentType: "text/javascript; charset=utf-8", body: Data(PackageResources.dashboard_js)),
        "dashboard.css": DashboardAsset(contentType: "text/css; charset=utf-8", body: Data(PackageResources.dashboard_css)),
    ]

    /// The login form, posting to `action`; `message`, when given, is shown above the button (escaped: it may
    /// never be markup).
    public static func login(message: String?, action: String = "/dashboard/login") -> DashboardAsset {
        let template = String(decoding: PackageResources.login_html, as: UTF8.self)
        let note = message.map { "<p class=\"login-error\" role=\"alert\">\(escapeHTML($0))</p>" } ?? ""
        let page = template.replacingOccurrences(of: "<!--message-->", with: note)
            .replacingOccurrences(of: "action=\"/dashboard/login\"", with: "action=\"\(escapeHTML(action))\"")
        return DashboardAsset(contentType: "text/html; charset=utf-8", body: Data(page.utf8))
    }

    /// `text` with the five characters that mean something in HTML replaced by entities.
    public static func escapeHTML(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
