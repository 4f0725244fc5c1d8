import Foundation

extension ServerRequest {
    /// The fields of an `application/x-www-form-urlencoded` body (`+` is a space; percent-decoded; a repeated
    /// name keeps its first value). Empty for any other content type.
    public var formFields: [String: String] {
        let type = header("Content-Type")?.lowercased() ?? ""
        guard type.hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        return Self.formFields(body)
    }

    /// The fields of a form-encoded body, whatever its declared type.
    public static func formFields(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let name = parts.first, fields[name] == nil { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }
}
