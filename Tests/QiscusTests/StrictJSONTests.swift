import Foundation
import Qiscus
import Testing

/// The RFC 8259 rules of `StrictJSON`, one document at a time: what is accepted, and what is refused with
/// which reason (and, where it matters, at which byte).
@Suite struct StrictJSONTests {
    /// One document and the verdict expected for it.
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        /// nil when the document is valid.
        let reason: StrictJSONError.Reason?
        /// The expected offset, when the case pins it.
        let offset: Int?

        var testDescription: String { name }

        static func valid(_ name: String, _ text: String) -> Case {
            Case(name: name, bytes: Array(text.utf8), reason: nil, offset: nil)
        }

        static func valid(_ name: String, bytes: [UInt8]) -> Case {
            Case(name: name, bytes: bytes, reason: nil, offset: nil)
        }

        static func invalid(_ name: String, _ text: String, _ reason: StrictJSONError.Reason, at offset: Int? = nil) -> Case {
            Case(name: name, bytes: Array(text.utf8), reason: reason, offset: offset)
        }

        static func invalid(_ name: String, bytes: [UInt8], _ reason: StrictJSONError.Reason, at offset: Int? = nil) -> Case {
            Case(name: name, bytes: bytes, reason: reason, offset: offset)
        }
    }

    static func nested(_ depth: Int, _ open: String, _ close: String, inner: String = "") -> String {
        String(repeating: open, count: depth) + inner + String(repeating: close, count: depth)
    }

    /// `{"k0":0,...,"k<n-1>":n-1}`: more keys than the pairwise check handles, so the sorted path runs.
    static func manyKeys(_ count: Int, extra: String = "") -> String {
        "{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + extra + "}"
    }

    /// A string holding `bytes` between quotes, inside an array.
    static func inString(_ bytes: [UInt8]) -> [UInt8] { Array(#"[""#.utf8) + bytes + Array(#""]"#.utf8) }

    static let accepted: [Case] = [
        // Top-level values of every kind.
        .valid("empty object", "{}"),
        .valid("empty array", "[]"),
        .valid("bare number", "0"),
        .valid("bare string", #""a""#),
        .valid("empty string", #""""#),
        .valid("true", "true"),
        .valid("false", "false"),
        .valid("null", "null"),
        .valid("all four whitespace characters", " \t\r\n[ 1 ,\t2 ]\r\n "),
        // Numbers.
        .valid("numbers", "[0,-0,1,-1,10,1.5,-0.0,0.25e3,1e3,1E3,1e+3,1e-3,1E-0,-1.5e+10,57491250]"),
        .valid("long integer", "123456789012345678901234567890"),
        .valid("out-of-range exponent (the grammar allows it)", "[1e400,-1e-400]"),
        // Strings.
        .valid("every escape", #"["\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00"]"#),
        .valid("escaped NUL", #"["\u0000"]"#),
        .valid("raw UTF-8 of each length", "[\"a\u{E9}\u{20AC}\u{1F600}\"]"),
        .valid("largest scalar, raw", "[\"\u{10FFFF}\"]"),
        .valid("scalars around the surrogates, raw", "[\"\u{D7FF}\u{E000}\u{FFFF}\"]"),
        .valid("DEL is not a control character for JSON", "[\"\u{7F}\"]"),
        .valid("surrogate pair, upper-case hex", #"["\uD83D\uDE00"]"#),
        // Objects and keys.
        .valid("nested objects", #"{"a":1,"b":[1,{"a":2}],"c":{"a":{"a":null}}}"#),
        .valid("the same key in sibling objects", #"[{"a":1},{"a":1}]"#),
        .valid("keys differ by case", #"{"a":1,"A":2}"#),
        .valid("keys differ by a trailing space", #"{"a":1,"a ":2}"#),
        .valid("empty key and escaped NUL key", #"{"":1,"\u0000":2}"#),
        .valid("precomposed and decomposed e-acute are different keys", #"{"\u00e9":1,"e\u0301":2}"#),
        .valid("escaped keys that differ", #"{"\u0061":1,"\u0062":2,"\n":3,"\r":4}"#),
        .valid("many distinct keys", manyKeys(100)),
        .valid("many distinct keys, some escaped", manyKeys(50, extra: #","\u006b":1,"k\u0035\u0030":1"#)),
        // Depth.
        .valid("64 nested arrays", nested(64, "[", "]")),
        .valid("64 nested objects", nested(63, #"{"a":"#, "}", inner: "{}")),
        .valid("64 levels, arrays and objects", nested(32, #"[{"a":"#, "}]", inner: "0")),
        // Qiscus-shaped bodies.
        .valid("allocation webhook", #"{"room_id":"57491250","is_new_session":true,"latest_service":null}"#),
        .valid("resolve webhook", #"{"service":{"id":88123401,"room_id":"57491250","is_resolved":true}}"#),
    ]

    static let rejected: [Case] = [
        // The document as a whole.
        .invalid("empty", "", .empty, at: 0),
        .invalid("only whitespace", " \r\n\t", .empty, at: 4),
        .invalid("byte order mark", "\u{FEFF}{}", .byteOrderMark, at: 0),
        .invalid("UTF-16 byte order mark", bytes: [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], .unexpectedCharacter(0xFF), at: 0),
        .invalid("content after the value", #"{"a":1}x"#, .trailingContent, at: 7),
        .invalid("two values", "{} {}", .trailingContent, at: 3),
        .invalid("extra closing bracket", "[]]", .trailingContent, at: 2),
        .invalid("two numbers", "1 2", .trailingContent, at: 2),
        .invalid("NUL after the value", bytes: Array("{}".utf8) + [0], .trailingContent, at: 2),
        // Whitespace other than space, tab, CR and LF.
        .invalid("form feed", "\u{0C}[]", .unexpectedCharacter(0x0C), at: 0),
        .invalid("vertical tab inside", "[1,\u{0B}2]", .unexpectedCharacter(0x0B), at: 3),
        .invalid("no-break space", "\u{A0}[]", .unexpectedCharacter(0xC2), at: 0),
        .invalid("NUL before the value", bytes: [0, 0x5B, 0x5D], .unexpectedCharacter(0), at: 0),
        // Trailing and stray commas.
        .invalid("trailing comma in an array", "[1,]", .trailingComma, at: 2),
        .invalid("trailing comma in an object", #"{"a":1,}"#, .trailingComma, at: 6),
        .invalid("trailing comma, whitespace", "[1 , \n]", .trailingComma, at: 3),
        .invalid("comma only", "[,]", .unexpectedCharacter(UInt8(ascii: ",")), at: 1),
        .invalid("leading comma", "[,1]", .unexpectedCharacter(UInt8(ascii: ",")), at: 1),
        .invalid("double comma", "[1,,2]", .unexpectedCharacter(UInt8(ascii: ",")), at: 3),
        .invalid("comma in an empty object", "{,}", .unexpectedCharacter(UInt8(ascii: ",")), at: 1),
        .invalid("missing comma", "[1 2]", .unexpectedCharacter(UInt8(ascii: "2")), at: 3),
        // Numbers.
        .invalid("leading zero", "[01]", .invalidNumber, at: 1),
        .invalid("negative leading zero", "[-01]", .invalidNumber, at: 1),
        .invalid("top-level leading zeros", "00", .invalidNumber, at: 0),
        .invalid("minus alone", "[-]", .invalidNumber, at: 1),
        .invalid("minus then space", "[- 1]", .invalidNumber, at: 1),
        .invalid("dot without fraction", "[1.]", .invalidNumber, at: 1),
        .invalid("dot without integer", "[.5]", .unexpectedCharacter(UInt8(ascii: ".")), at: 1),
        .invalid("minus dot", "[-.5]", .invalidNumber, at: 1),
        .invalid("exponent without digits", "[1e]", .invalidNumber, at: 1),
        .invalid("exponent sign without digits", "[1e+]", .invalidNumber, at: 1),
        .invalid("fraction then bare exponent", "[1.5E]", .invalidNumber, at: 1),
        .invalid("leading plus", "[+1]", .unexpectedCharacter(UInt8(ascii: "+")), at: 1),
        .invalid("hex", "[0x1F]", .invalidNumber, at: 1),
        .invalid("two dots", "[1.5.2]", .invalidNumber, at: 1),
        .invalid("two exponents", "[1e5e5]", .invalidNumber, at: 1),
        .invalid("number then minus", "[1-2]", .invalidNumber, at: 1),
        .invalid("NaN", "[NaN]", .unexpectedCharacter(UInt8(ascii: "N")), at: 1),
        .invalid("Infinity", "[Infinity]", .unexpectedCharacter(UInt8(ascii: "I")), at: 1),
        .invalid("-Infinity", "[-Infinity]", .invalidNumber, at: 1),
        .invalid("NaN as a value", #"{"a":NaN}"#, .unexpectedCharacter(UInt8(ascii: "N")), at: 5),
        .invalid("number then letter", "[1x]", .invalidNumber, at: 1),
        // Literals.
        .invalid("capitalised true", "[True]", .unexpectedCharacter(UInt8(ascii: "T")), at: 1),
        .invalid("truncated true", "[tru]", .invalidLiteral, at: 1),
        .invalid("truncated null at the end", "nul", .invalidLiteral, at: 0),
        .invalid("true then letters", "[truex]", .invalidLiteral, at: 5),
        .invalid("undefined", "[undefined]", .unexpectedCharacter(UInt8(ascii: "u")), at: 1),
        .invalid("fals", "[fals]", .invalidLiteral, at: 1),
        // Strings: escapes.
        .invalid("unknown escape", #"["\x"]"#, .invalidEscape, at: 2),
        .invalid("escaped single quote", #"["\'"]"#, .invalidEscape, at: 2),
        .invalid("upper-case U escape", #"["\U0041"]"#, .invalidEscape, at: 2),
        .invalid("escaped space", #"["\ "]"#, .invalidEscape, at: 2),
        .invalid("escape of a raw newline", "[\"\\\n\"]", .invalidEscape, at: 2),
        .invalid("non-hex in \\u", #"["\u00G1"]"#, .invalidUnicodeEscape, at: 2),
        .invalid("short \\u", #"["\u12"]"#, .invalidUnicodeEscape, at: 2),
        .invalid("\\u at the end", #""\u00"#, .invalidUnicodeEscape, at: 1),
        .invalid("backslash at the end", #""\"#, .unexpectedEnd, at: 2),
        // Strings: surrogate escapes.
        .invalid("lone high surrogate", #""\ud800""#, .loneSurrogate, at: 1),
        .invalid("lone low surrogate", #""\udc00""#, .loneSurrogate, at: 1),
        .invalid("high surrogate then a letter", #"["\ud800x"]"#, .loneSurrogate, at: 2),
        .invalid("high surrogate then a non-surrogate escape", #"["\ud800\u0041"]"#, .loneSurrogate, at: 2),
        .invalid("two high surrogates", #"["\ud800\ud800"]"#, .loneSurrogate, at: 2),
        .invalid("low then high", #"["\udc00\ud800"]"#, .loneSurrogate, at: 2),
        .invalid("high surrogate then \\n", #"["\ud83d\n"]"#, .loneSurrogate, at: 2),
        .invalid("high surrogate then a bad \\u", #"["\ud83d\uZZZZ"]"#, .invalidUnicodeEscape, at: 8),
        .invalid("lone surrogate in a key", #"{"\udfff":1}"#, .loneSurrogate, at: 2),
        // Strings: raw control characters.
        .invalid("raw tab", "[\"a\tb\"]", .controlCharacter, at: 3),
        .invalid("raw newline", "[\"a\nb\"]", .controlCharacter, at: 3),
        .invalid("raw NUL", bytes: inString([0x61, 0x00]), .controlCharacter, at: 3),
        .invalid("raw 0x1F", bytes: inString([0x1F]), .controlCharacter, at: 2),
        .invalid("raw control character in a key", bytes: Array(#"{"a"#.utf8) + [0x01] + Array(#"":1}"#.utf8),
                 .controlCharacter, at: 3),
        // Strings: UTF-8.
        .invalid("overlong slash (C0 AF)", bytes: inString([0xC0, 0xAF]), .invalidUTF8, at: 2),
        .invalid("overlong NUL (C0 80)", bytes: inString([0xC0, 0x80]), .invalidUTF8, at: 2),
        .invalid("overlong C1", bytes: inString([0xC1, 0xBF]), .invalidUTF8, at: 2),
        .invalid("overlong three bytes (E0 80 AF)", bytes: inString([0xE0, 0x80, 0xAF]), .invalidUTF8, at: 2),
        .invalid("overlong three bytes (E0 9F BF)", bytes: inString([0xE0, 0x9F, 0xBF]), .invalidUTF8, at: 2),
        .invalid("overlong four bytes (F0 80 80 AF)", bytes: inString([0xF0, 0x80, 0x80, 0xAF]), .invalidUTF8, at: 2),
        .invalid("overlong four bytes (F0 8F BF BF)", bytes: inString([0xF0, 0x8F, 0xBF, 0xBF]), .invalidUTF8, at: 2),
        .invalid("encoded high surrogate (ED A0 80)", bytes: inString([0xED, 0xA0, 0x80]), .invalidUTF8, at: 2),
        .invalid("encoded low surrogate (ED BF BF)", bytes: inString([0xED, 0xBF, 0xBF]), .invalidUTF8, at: 2),
        .invalid("above U+10FFFF (F4 90 80 80)", bytes: inString([0xF4, 0x90, 0x80, 0x80]), .invalidUTF8, at: 2),
        .invalid("F5 lead byte", bytes: inString([0xF5, 0x80, 0x80, 0x80]), .invalidUTF8, at: 2),
        .invalid("FF byte", bytes: inString([0xFF]), .invalidUTF8, at: 2),
        .invalid("FE byte", bytes: inString([0xFE]), .invalidUTF8, at: 2),
        .invalid("lone continuation byte", bytes: inString([0x61, 0x80]), .invalidUTF8, at: 3),
        .invalid("two-byte sequence cut short", bytes: inString([0xC3]), .invalidUTF8, at: 2),
        .invalid("three-byte sequence cut short", bytes: inString([0xE2, 0x82]), .invalidUTF8, at: 2),
        .invalid("four-byte sequence, bad third byte", bytes: inString([0xF0, 0x9F, 0x41, 0x80]), .invalidUTF8, at: 2),
        .invalid("sequence cut by the end of the document", bytes: [0x22, 0xE2, 0x82], .invalidUTF8, at: 1),
        .invalid("invalid UTF-8 in a key", bytes: Array(#"{""#.utf8) + [0xC0, 0xAF] + Array(#"":1}"#.utf8),
                 .invalidUTF8, at: 2),
        .invalid("UTF-8 outside a string", bytes: [0x5B, 0xC3, 0xA9, 0x5D], .unexpectedCharacter(0xC3), at: 1),
        // Comments, quotes and keys.
        .invalid("block comment first", "/*c*/{}", .comment, at: 0),
        .invalid("line comment after", "{}//c", .comment, at: 2),
        .invalid("comment inside an object", #"{"a":1/*c*/}"#, .comment, at: 6),
        .invalid("comment as a value", "[//c\n1]", .comment, at: 1),
        .invalid("hash comment", "# c\n{}", .unexpectedCharacter(UInt8(ascii: "#")), at: 0),
        .invalid("single-quoted key", "{'a':1}", .unexpectedCharacter(UInt8(ascii: "'")), at: 1),
        .invalid("single-quoted value", "['a']", .unexpectedCharacter(UInt8(ascii: "'")), at: 1),
        .invalid("unquoted key", "{a:1}", .unexpectedCharacter(UInt8(ascii: "a")), at: 1),
        .invalid("number key", "{1:1}", .unexpectedCharacter(UInt8(ascii: "1")), at: 1),
        .invalid("missing colon", #"{"a" 1}"#, .unexpectedCharacter(UInt8(ascii: "1")), at: 5),
        .invalid("equals for colon", #"{"a"=1}"#, .unexpectedCharacter(UInt8(ascii: "=")), at: 4),
        .invalid("missing value", #"{"a":}"#, .unexpectedCharacter(UInt8(ascii: "}")), at: 5),
        .invalid("key without value", #"{"a"}"#, .unexpectedCharacter(UInt8(ascii: "}")), at: 4),
        .invalid("array closed by a brace", "[1}", .unexpectedCharacter(UInt8(ascii: "}")), at: 2),
        .invalid("object closed by a bracket", #"{"a":1]"#, .unexpectedCharacter(UInt8(ascii: "]")), at: 6),
        // Truncated documents.
        .invalid("open array", "[", .unexpectedEnd, at: 1),
        .invalid("open array after a value", "[1", .unexpectedEnd, at: 2),
        .invalid("open array after a comma", "[1,", .unexpectedEnd, at: 3),
        .invalid("open object", "{", .unexpectedEnd, at: 1),
        .invalid("object after a key", #"{"a""#, .unexpectedEnd, at: 4),
        .invalid("object after a colon", #"{"a":"#, .unexpectedEnd, at: 5),
        .invalid("object after a value", #"{"a":1"#, .unexpectedEnd, at: 6),
        .invalid("unterminated string", #"["abc"#, .unexpectedEnd, at: 5),
        // Depth.
        .invalid("65 nested arrays", nested(65, "[", "]"), .tooDeep, at: 64),
        .invalid("65 nested objects", nested(64, #"{"a":"#, "}", inner: "{}"), .tooDeep, at: 64 * 5),
        .invalid("10,000 nested arrays", nested(10_000, "[", "]"), .tooDeep, at: 64),
        .invalid("10,000 unclosed arrays", String(repeating: "[", count: 10_000), .tooDeep, at: 64),
        .invalid("too deep inside a webhook", #"{"room_id":"1","x":\#(nested(64, "[", "]"))}"#, .tooDeep),
        // Duplicate keys.
        .invalid("duplicate at the top level", #"{"a":1,"a":2}"#, .duplicateKey, at: 7),
        .invalid("duplicate with the same value", #"{"a":1,"a":1}"#, .duplicateKey, at: 7),
        .invalid("duplicate, not adjacent", #"{"a":1,"b":2,"a":3}"#, .duplicateKey, at: 13),
        .invalid("duplicate nested in an object", #"{"x":{"a":1,"a":2}}"#, .duplicateKey, at: 12),
        .invalid("duplicate nested in an array", #"[1,{"a":1,"a":2}]"#, .duplicateKey, at: 10),
        .invalid("duplicate deep inside", #"{"a":[{"b":{"c":1,"d":{},"c":null}}]}"#, .duplicateKey, at: 25),
        .invalid("duplicate empty key", #"{"":1,"":2}"#, .duplicateKey, at: 6),
        .invalid("duplicate through \\u escape", #"{"a":1,"\u0061":2}"#, .duplicateKey, at: 7),
        .invalid("duplicate, escape first", #"{"\u0061":1,"a":2}"#, .duplicateKey, at: 12),
        .invalid("duplicate through upper-case hex", #"{"\u00e9":1,"\u00E9":2}"#, .duplicateKey, at: 12),
        .invalid("duplicate, raw and escaped e-acute", "{\"\u{E9}\":1,\"\\u00e9\":2}", .duplicateKey, at: 8),
        .invalid("duplicate, raw and escaped euro", "{\"\u{20AC}\":1,\"\\u20ac\":2}", .duplicateKey, at: 9),
        .invalid("duplicate, raw emoji and surrogate pair", "{\"\u{1F600}\":1,\"\\ud83d\\ude00\":2}", .duplicateKey,
                 at: 10),
        .invalid("duplicate newline key", #"{"\n":1,"\u000a":2}"#, .duplicateKey, at: 8),
        .invalid("duplicate slash key", #"{"\/":1,"/":2}"#, .duplicateKey, at: 8),
        .invalid("duplicate escaped NUL key", #"{"\u0000":1,"\u0000":2}"#, .duplicateKey, at: 12),
        .invalid("duplicate room_id", #"{"room_id":"1","room_id":"2"}"#, .duplicateKey, at: 15),
        .invalid("duplicate room_id through an escape", #"{"room_id":"1","room\u005fid":"2"}"#, .duplicateKey, at: 15),
        .invalid("duplicate service.room_id", #"{"service":{"room_id":"1","room_id":"2"}}"#, .duplicateKey, at: 26),
        .invalid("duplicate service", #"{"service":{"room_id":"1"},"service":{"room_id":"2"}}"#, .duplicateKey,
                 at: 27),
        .invalid("duplicate among many keys", manyKeys(100, extra: #","k42":0"#), .duplicateKey),
        .invalid("duplicate among many keys, escaped", manyKeys(100, extra: #","k\u0034\u0032":0"#), .duplicateKey),
        .invalid("duplicate among many keys, at the start", "{\"k0\":0," + manyKeys(100).dropFirst(), .duplicateKey),
    ]

    @Test(arguments: accepted)
    func accepts(_ document: Case) throws {
        #expect(throws: Never.self) { try StrictJSON.validate(document.bytes) }
        // Foundation agrees that what passes is JSON (or refuses only a number beyond Double).
        #expect(StrictJSONFuzzTests.foundationParses(document.bytes))
    }

    @Test(arguments: rejected)
    func rejects(_ document: Case) throws {
        let error = try #require(throws: StrictJSONError.self) { try StrictJSON.validate(document.bytes) }
        #expect(error.reason == document.reason, "\(error)")
        if let offset = document.offset { #expect(error.offset == offset, "\(error)") }
        #expect((0...document.bytes.count).contains(error.offset))
    }

    /// The pieces of the validator work on `Data` as well as on `[UInt8]`, and slices of `Data` too.
    @Test func validatesData() throws {
        try StrictJSON.validate(Data(#"{"a":[1,2]}"#.utf8))
        let framed = Data(#"xx{"a":1}yy"#.utf8)
        try StrictJSON.validate(framed[framed.startIndex + 2 ..< framed.endIndex - 2])
        #expect(throws: StrictJSONError(.trailingComma, at: 6)) { try StrictJSON.validate(Data(#"{"a":1,}"#.utf8)) }
    }

    @Test func errorsDescribeWhatAndWhere() {
        #expect(StrictJSONError(.trailingComma, at: 2).description == "trailing comma at byte 2")
        #expect(StrictJSONError(.duplicateKey, at: 7).description == "duplicate object key at byte 7")
        #expect(StrictJSONError(.unexpectedCharacter(0x27), at: 1).description == "unexpected character ''' at byte 1")
        #expect(StrictJSONError(.unexpectedCharacter(0x0C), at: 0).description == "unexpected byte 0x0C at byte 0")
        #expect(StrictJSONError(.unexpectedCharacter(0xFF), at: 0).description == "unexpected byte 0xFF at byte 0")
        #expect(StrictJSONError(.tooDeep, at: 64).description == "nested deeper than 64 at byte 64")
    }

    /// `decode` validates first (a lenient body is a `StrictJSONError`), then leaves shape errors to JSONDecoder.
    @Test func decodeValidatesThenDecodes() throws {
        let webhook = try StrictJSON.decode(AllocationWebhook.self, from: Data(#"{"room_id":"42","is_new_session":true}"#.utf8))
        #expect(webhook.roomID == "42")
        let resolve = try StrictJSON.decode(ResolveWebhook.self, from: Data(#"{"service":{"id":7,"room_id":"42"}}"#.utf8))
        #expect(resolve.roomID == "42" && resolve.sessionFloor == "7")

        #expect(throws: StrictJSONError(.trailingComma, at: 14)) {
            try StrictJSON.decode(AllocationWebhook.self, from: Data(#"{"room_id":"1",}"#.utf8))
        }
        #expect(throws: StrictJSONError(.duplicateKey, at: 15)) {
            try StrictJSON.decode(AllocationWebhook.self, from: Data(#"{"room_id":"1","room_id":"2"}"#.utf8))
        }
        #expect(throws: DecodingError.self) { try StrictJSON.decode(AllocationWebhook.self, from: Data("[]".utf8)) }
        #expect(throws: DecodingError.self) { try StrictJSON.decode(AllocationWebhook.self, from: Data(#"{"room_id":1}"#.utf8)) }
    }
}
