/// Why a document is not strict JSON, and the byte offset (from 0) where that was found.
public struct StrictJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Hashable, Sendable {
        /// The document is empty or only whitespace.
        case empty
        /// The document ends inside a value.
        case unexpectedEnd
        /// A byte that cannot appear here (e.g. `'`, `N` of `NaN`, a form feed between tokens).
        case unexpectedCharacter(UInt8)
        /// `/` where a value or a separator belongs.
        case comment
        /// A `,` right before `]` or `}`.
        case trailingComma
        /// Something other than whitespace after the top-level value.
        case trailingContent
        /// A word that is not `true`, `false` or `null`.
        case invalidLiteral
        /// A number outside the RFC 8259 grammar (leading zero, `-` alone, `1.`, `1e`, ...).
        case invalidNumber
        /// A backslash followed by anything but `" \ / b f n r t u`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\u` escape of a UTF-16 surrogate that is not part of a high-low pair.
        case loneSurrogate
        /// A raw byte below 0x20 inside a string.
        case controlCharacter
        /// Bytes that are not well-formed UTF-8 (overlong, surrogate, out of range, or cut short).
        case invalidUTF8
        /// The document starts with a UTF-8 byte order mark.
        case byteOrderMark
        /// Arrays and objects nest deeper than ``StrictJSON/maximumDepth``.
        case tooDeep
        /// An object has the same key twice (compared after unescaping).
        case duplicateKey
    }

    public let reason: Reason
    /// The byte offset of the problem, from the start of the document.
    public let offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String { "\(Self.describe(reason)) at byte \(offset)" }

    private static func describe(_ reason: Reason) -> String {
        switch reason {
        case .empty: "no JSON value"
        case .unexpectedEnd: "the document ends early"
        case .unexpectedCharacter(let byte):
            (0x21...0x7E).contains(byte) ? "unexpected character '\(Character(Unicode.Scalar(byte)))'"
                : "unexpected byte 0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true))"
        case .comment: "comments are not JSON"
        case .trailingComma: "trailing comma"
        case .trailingContent: "content after the JSON value"
        case .invalidLiteral: "not true, false or null"
        case .invalidNumber: "invalid number"
        case .invalidEscape: "invalid escape in a string"
        case .invalidUnicodeEscape: "\\u needs four hex digits"
        case .loneSurrogate: "unpaired UTF-16 surrogate escape"
        case .controlCharacter: "unescaped control character in a string"
        case .invalidUTF8: "invalid UTF-8"
        case .byteOrderMark: "byte order mark"
        case .tooDeep: "nested deeper than \(StrictJSON.maximumDepth)"
        case .duplicateKey: "duplicate object key"
        }
    }
}
