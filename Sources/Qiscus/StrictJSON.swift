import Foundation

/// Strict JSON for the webhook bodies: RFC 8259 exactly, checked in one pass before `JSONDecoder` runs.
///
/// Foundation's `JSONDecoder` is lenient (it takes trailing commas, for one), and different parsers disagree
/// on such bodies; a webhook that the service reads one way and a proxy or log reader another is how
/// request-smuggling style attacks work. So every body must be, byte for byte, what RFC 8259 allows:
///
/// - one value at the top level, surrounded only by space, tab, CR and LF; no byte order mark;
/// - numbers without leading zeros, a leading `+`, a bare `.`, hex, `NaN` or `Infinity`;
/// - strings without raw control characters, with only the escapes of RFC 8259 section 7, `\u` escapes
///   that pair their surrogates, and valid UTF-8 (no overlong forms, no encoded surrogates);
/// - no trailing commas, comments, single quotes, unquoted keys, or anything after the value;
/// - containers nested at most ``maximumDepth`` deep;
/// - no object with the same key twice, at any depth.
///
/// Duplicate keys: RFC 8259 says names SHOULD be unique and leaves the meaning of a repeated one to each
/// parser (first wins, last wins, or an error). That difference is a known attack on systems where two
/// parsers read the same document, and Qiscus never sends a repeated key, so one is refused. Keys are
/// compared after unescaping: `{"a":1,"\u0061":2}` repeats `a`.
///
/// The check works on the raw bytes with no Foundation parser and no allocation per byte: only one array
/// entry per object key, released when its object closes.
public enum StrictJSON {
    /// How deep arrays and objects may nest (the top-level container is depth 1). Qiscus webhooks nest
    /// three or four levels, so 64 leaves ample room while bounding the validator's recursion and keeping a
    /// hostile 10,000-level body from reaching `JSONDecoder` at all.
    public static let maximumDepth = 64

    /// Throws unless `bytes` is exactly one RFC 8259 JSON text under the rules above.
    public static func validate(_ bytes: some ContiguousBytes) throws(StrictJSONError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(StrictJSONError) in
                var parser = StrictJSONParser(raw)
                try parser.parseDocument()
            }
        }
        try result.get()
    }

    /// Validates `data` strictly, then decodes it with `decoder`. Throws ``StrictJSONError`` for a body that
    /// is not strict JSON, and `JSONDecoder`'s `DecodingError` for valid JSON of the wrong shape.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data,
                                            using decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try validate(data)
        return try decoder.decode(type, from: data)
    }
}
