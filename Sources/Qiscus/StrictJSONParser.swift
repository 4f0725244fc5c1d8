/// The one-pass recursive-descent checker behind ``StrictJSON/validate(_:)``. It builds no values: it walks
/// the bytes, and remembers only the keys of the objects still open (see `StrictJSONParser+Keys.swift`).
/// Recursion is bounded by ``StrictJSON/maximumDepth``.
struct StrictJSONParser {
    /// A string's content in the document: the bytes between its quotes.
    struct Key {
        var start: Int
        var end: Int
        /// The length of the content once unescaped, in UTF-8 bytes.
        var decodedLength: Int
        /// Whether the content has a backslash escape (so its bytes are not its value).
        var escaped: Bool
    }

    let bytes: UnsafeRawBufferPointer
    private var position = 0
    /// The keys of the objects being read, innermost last.
    var keys: [Key] = []

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Reads the whole document: one value between optional whitespace.
    mutating func parseDocument() throws(StrictJSONError) {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            throw StrictJSONError(.byteOrderMark, at: 0)
        }
        skipWhitespace()
        guard position < bytes.count else { throw StrictJSONError(.empty, at: position) }
        try parseValue(depth: 0)
        skipWhitespace()
        guard position == bytes.count else {
            throw StrictJSONError(bytes[position] == ASCII.slash ? .comment : .trailingContent, at: position)
        }
    }

    // MARK: - Values

    /// A value starting at `position` (no whitespace before it); `depth` counts the containers around it.
    private mutating func parseValue(depth: Int) throws(StrictJSONError) {
        guard position < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: position) }
        switch bytes[position] {
        case ASCII.openBrace: try parseObject(depth: depth + 1)
        case ASCII.openBracket: try parseArray(depth: depth + 1)
        case ASCII.quote: _ = try parseString()
        case ASCII.minus, ASCII.zero...ASCII.nine: try parseNumber()
        case UInt8(ascii: "t"): try parseLiteral("true")
        case UInt8(ascii: "f"): try parseLiteral("false")
        case UInt8(ascii: "n"): try parseLiteral("null")
        default: throw unexpected()
        }
    }

    private mutating func parseArray(depth: Int) throws(StrictJSONError) {
        guard depth <= StrictJSON.maximumDepth else { throw StrictJSONError(.tooDeep, at: position) }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == ASCII.closeBracket {
            position += 1
            return
        }
        while true {
            try parseValue(depth: depth)
            skipWhitespace()
            guard position < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: position) }
            switch bytes[position] {
            case ASCII.comma:
                try skipComma(before: ASCII.closeBracket)
            case ASCII.closeBracket:
                position += 1
                return
            default:
                throw unexpected()
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(StrictJSONError) {
        guard depth <= StrictJSON.maximumDepth else { throw StrictJSONError(.tooDeep, at: position) }
        let firstKey = keys.count
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == ASCII.closeBrace {
            position += 1
            return
        }
        while true {
            guard position < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: position) }
            guard bytes[position] == ASCII.quote else { throw unexpected() }
            keys.append(try parseString())
            skipWhitespace()
            guard position < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: position) }
            guard bytes[position] == ASCII.colon else { throw unexpected() }
            position += 1
            skipWhitespace()
            try parseValue(depth: depth)
            skipWhitespace()
            guard position < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: position) }
            switch bytes[position] {
            case ASCII.comma:
                try skipComma(before: ASCII.closeBrace)
            case ASCII.closeBrace:
                position += 1
                try checkDuplicateKeys(from: firstKey)
                keys.removeSubrange(firstKey...)
                return
            default:
                throw unexpected()
            }
        }
    }

    /// Steps over a `,` and the whitespace after it; a `,` right before `closer` is a trailing comma.
    private mutating func skipComma(before closer: UInt8) throws(StrictJSONError) {
        let comma = position
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == closer { throw StrictJSONError(.trailingComma, at: comma) }
    }

    private mutating func parseLiteral(_ word: StaticString) throws(StrictJSONError) {
        let length = word.utf8CodeUnitCount
        guard bytes.count - position >= length,
              (0..<length).allSatisfy({ bytes[position + $0] == word.utf8Start[$0] }) else {
            throw StrictJSONError(.invalidLiteral, at: position)
        }
        position += length
        if position < bytes.count, ASCII.isLetter(bytes[position]) { throw StrictJSONError(.invalidLiteral, at: position) }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and not followed by more number-like bytes.
    private mutating func parseNumber() throws(StrictJSONError) {
        let start = position
        if bytes[position] == ASCII.minus { position += 1 }
        guard position < bytes.count, ASCII.isDigit(bytes[position]) else { throw StrictJSONError(.invalidNumber, at: start) }
        if bytes[position] == ASCII.zero {
            position += 1
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == ASCII.dot {
            position += 1
            guard position < bytes.count, ASCII.isDigit(bytes[position]) else { throw StrictJSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < bytes.count, bytes[position] == ASCII.plus || bytes[position] == ASCII.minus { position += 1 }
            guard position < bytes.count, ASCII.isDigit(bytes[position]) else { throw StrictJSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        // `01`, `0x1F`, `1.5.2`, `1e5e5`, `1-2`: one number that the grammar above only half covers.
        if position < bytes.count, ASCII.continuesNumber(bytes[position]) { throw StrictJSONError(.invalidNumber, at: start) }
    }

    // MARK: - Strings

    /// A string from its opening quote through its closing one: only the escapes of RFC 8259, no raw control
    /// characters, well-formed UTF-8. Returns where its content is and how long it is once unescaped.
    mutating func parseString() throws(StrictJSONError) -> Key {
        position += 1
        let start = position
        var escaped = false
        var lengthChange = 0 // decoded bytes minus raw bytes, over all escapes
        while position < bytes.count {
            let byte = bytes[position]
            if byte == ASCII.quote {
                position += 1
                let end = position - 1
                return Key(start: start, end: end, decodedLength: end - start + lengthChange, escaped: escaped)
            } else if byte == ASCII.backslash {
                escaped = true
                lengthChange += try skipEscape()
            } else if byte < 0x20 {
                throw StrictJSONError(.controlCharacter, at: position)
            } else if byte < 0x80 {
                position += 1
            } else {
                try skipUTF8Sequence()
            }
        }
        throw StrictJSONError(.unexpectedEnd, at: position)
    }

    /// Steps over one escape; returns its decoded UTF-8 length minus its raw length.
    private mutating func skipEscape() throws(StrictJSONError) -> Int {
        let escape = position
        guard position + 1 < bytes.count else { throw StrictJSONError(.unexpectedEnd, at: bytes.count) }
        switch bytes[position + 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
             UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
            return 1 - 2
        case UInt8(ascii: "u"):
            let unit = try hexUnit(at: escape)
            switch unit {
            case 0xD800...0xDBFF:
                guard escape + 7 < bytes.count, bytes[escape + 6] == ASCII.backslash,
                      bytes[escape + 7] == UInt8(ascii: "u") else { throw StrictJSONError(.loneSurrogate, at: escape) }
                let low = try hexUnit(at: escape + 6)
                guard (0xDC00...0xDFFF).contains(low) else { throw StrictJSONError(.loneSurrogate, at: escape) }
                position = escape + 12
                return 4 - 12
            case 0xDC00...0xDFFF:
                throw StrictJSONError(.loneSurrogate, at: escape)
            default:
                position = escape + 6
                return (unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3) - 6
            }
        default:
            throw StrictJSONError(.invalidEscape, at: escape)
        }
    }

    /// The UTF-16 unit of the `\uXXXX` escape whose backslash is at `escape`.
    private func hexUnit(at escape: Int) throws(StrictJSONError) -> UInt16 {
        guard escape + 5 < bytes.count else { throw StrictJSONError(.invalidUnicodeEscape, at: escape) }
        var unit: UInt16 = 0
        for index in escape + 2 ... escape + 5 {
            guard let digit = ASCII.hexValue(bytes[index]) else { throw StrictJSONError(.invalidUnicodeEscape, at: escape) }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    /// Steps over one multi-byte UTF-8 sequence, as the Unicode Standard's table 3-7 allows: no overlong
    /// forms (C0, C1, E0 80-9F, F0 80-8F), no surrogates (ED A0-BF), nothing above U+10FFFF (F4 90+, F5-FF).
    private mutating func skipUTF8Sequence() throws(StrictJSONError) {
        let lead = bytes[position]
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        let continuations: Int
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; low = 0xA0
        case 0xED: continuations = 2; high = 0x9F
        case 0xE1...0xEF: continuations = 2
        case 0xF0: continuations = 3; low = 0x90
        case 0xF4: continuations = 3; high = 0x8F
        case 0xF1...0xF3: continuations = 3
        default: throw StrictJSONError(.invalidUTF8, at: position)
        }
        guard position + continuations < bytes.count, (low...high).contains(bytes[position + 1]) else {
            throw StrictJSONError(.invalidUTF8, at: position)
        }
        var index = position + 2
        while index <= position + continuations {
            guard bytes[index] & 0xC0 == 0x80 else { throw StrictJSONError(.invalidUTF8, at: position) }
            index += 1
        }
        position = index
    }

    // MARK: - Bytes

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case ASCII.space, ASCII.tab, ASCII.lineFeed, ASCII.carriageReturn: position += 1
            default: return
            }
        }
    }

    private mutating func skipDigits() {
        while position < bytes.count, ASCII.isDigit(bytes[position]) { position += 1 }
    }

    /// The error for the byte at `position`, which cannot be there.
    private func unexpected() -> StrictJSONError {
        let byte = bytes[position]
        return StrictJSONError(byte == ASCII.slash ? .comment : .unexpectedCharacter(byte), at: position)
    }

    /// The bytes the grammar names.
    enum ASCII {
        static let tab: UInt8 = 0x09, lineFeed: UInt8 = 0x0A, carriageReturn: UInt8 = 0x0D, space: UInt8 = 0x20
        static let quote = UInt8(ascii: "\""), plus = UInt8(ascii: "+"), comma = UInt8(ascii: ","), minus = UInt8(ascii: "-")
        static let dot = UInt8(ascii: "."), slash = UInt8(ascii: "/"), zero = UInt8(ascii: "0"), nine = UInt8(ascii: "9")
        static let colon = UInt8(ascii: ":"), openBracket = UInt8(ascii: "["), backslash = UInt8(ascii: "\\")
        static let closeBracket = UInt8(ascii: "]"), openBrace = UInt8(ascii: "{"), closeBrace = UInt8(ascii: "}")

        static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

        static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- UInt8(ascii: "a") < 26 }

        static func continuesNumber(_ byte: UInt8) -> Bool {
            isDigit(byte) || isLetter(byte) || byte == dot || byte == plus || byte == minus
        }

        static func hexValue(_ byte: UInt8) -> UInt8? {
            if isDigit(byte) { return byte - zero }
            let lower = byte | 0x20
            return lower &- UInt8(ascii: "a") < 6 ? lower - UInt8(ascii: "a") + 10 : nil
        }
    }
}
