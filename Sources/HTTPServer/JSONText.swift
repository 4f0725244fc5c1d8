/// JSON written as text for answers on a hot path (the webhook's answer, the simulator's API answers), where
/// Foundation's `JSONEncoder` / `JSONSerialization` cost more than the rest of the request.
public enum JSONText {
    /// A JSON string literal, quoted and escaped.
    public static func string(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20:
                out += "\\u00" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A JSON object of string values, keys in the order given: `{"room_id":"1","status":"queued"}`.
    public static func object(_ fields: KeyValuePairs<String, String>) -> String {
        "{" + fields.map { string($0.key) + ":" + string($0.value) }.joined(separator: ",") + "}"
    }
}
