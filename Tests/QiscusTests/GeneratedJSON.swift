import TestSupport

/// A JSON document built at random and rendered byte by byte with random whitespace and random (valid)
/// escapes, so the same key comes out differently each time. Faults can be planted in it: `raw` nodes are
/// written as they are, containers can carry a trailing comma, and objects may repeat a key.
indirect enum GeneratedJSON {
    case raw([UInt8])
    case string([Unicode.Scalar])
    case array([GeneratedJSON], trailingComma: Bool = false)
    case object([(key: [Unicode.Scalar], value: GeneratedJSON)], trailingComma: Bool = false)
    /// Documents written one after the other, with nothing between them.
    case sequence([GeneratedJSON])

    /// Characters for keys and strings: ASCII, each UTF-8 length, the scalars next to the surrogates, and
    /// everything JSON must or may escape.
    static let alphabet: [Unicode.Scalar] = ["a", "b", "k", "_", " ", "\u{E9}", "\u{20AC}", "\u{1F600}", "/", "\"", "\\",
                                             "\n", "\t", "\u{8}", "\u{C}", "\r", "\u{0}", "\u{1F}", "\u{7F}",
                                             "\u{D7FF}", "\u{E000}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}"]
    static let numbers = ["0", "-0", "1", "-1", "1.5", "1e3", "1E+3", "-1.25e-3", "57491250", "0.0", "10",
                          "123456789012345678901234567890", "-9223372036854775808"]

    // MARK: - Generating

    static func random(depth: Int = 0, using random: inout SplitMix64) -> GeneratedJSON {
        switch Int.random(in: 0..<(depth >= 5 ? 5 : 9), using: &random) {
        case 0: return .raw(Array("null".utf8))
        case 1: return .raw(Array((Bool.random(using: &random) ? "true" : "false").utf8))
        case 2: return .raw(Array(numbers[Int.random(in: 0..<numbers.count, using: &random)].utf8))
        case 3, 4: return .string(randomText(maxLength: 8, using: &random))
        case 5, 6:
            return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in
                Self.random(depth: depth + 1, using: &random)
            })
        default:
            // Now and then more keys than the pairwise duplicate check takes, so the sorting path runs too.
            let count = Int.random(in: 0..<6, using: &random) == 0 ? Int.random(in: 9...24, using: &random)
                : Int.random(in: 0...5, using: &random)
            var seen = Set<[UInt32]>()
            var fields: [(key: [Unicode.Scalar], value: GeneratedJSON)] = []
            for _ in 0..<count {
                let key = randomText(maxLength: 3, using: &random)
                guard seen.insert(key.map(\.value)).inserted else { continue }
                fields.append((key, Self.random(depth: depth + 1, using: &random)))
            }
            return .object(fields)
        }
    }

    static func randomText(maxLength: Int, using random: inout SplitMix64) -> [Unicode.Scalar] {
        (0..<Int.random(in: 0...maxLength, using: &random)).map { _ in
            alphabet[Int.random(in: 0..<alphabet.count, using: &random)]
        }
    }

    // MARK: - Planting faults

    /// How many nodes the tree has (to pick one at random).
    var size: Int {
        switch self {
        case .raw, .string: 1
        case .array(let elements, _): 1 + elements.map(\.size).reduce(0, +)
        case .object(let fields, _): 1 + fields.map(\.value.size).reduce(0, +)
        case .sequence(let parts): parts.map(\.size).reduce(0, +)
        }
    }

    /// A copy with node number `index` (pre-order) replaced by `transform` of it.
    func transformingNode(_ index: Int, _ transform: (GeneratedJSON) -> GeneratedJSON) -> GeneratedJSON {
        var remaining = index
        return transformingNode(&remaining, transform)
    }

    private func transformingNode(_ remaining: inout Int, _ transform: (GeneratedJSON) -> GeneratedJSON) -> GeneratedJSON {
        if remaining == 0 {
            remaining = -1
            return transform(self)
        }
        remaining -= 1
        switch self {
        case .raw, .string:
            return self
        case .array(var elements, let comma):
            for i in elements.indices where remaining >= 0 { elements[i] = elements[i].transformingNode(&remaining, transform) }
            return .array(elements, trailingComma: comma)
        case .object(var fields, let comma):
            for i in fields.indices where remaining >= 0 {
                fields[i].value = fields[i].value.transformingNode(&remaining, transform)
            }
            return .object(fields, trailingComma: comma)
        case .sequence:
            return self
        }
    }

    // MARK: - Rendering

    func render(using random: inout SplitMix64) -> [UInt8] {
        var out: [UInt8] = []
        Self.whitespace(into: &out, using: &random)
        render(into: &out, using: &random)
        Self.whitespace(into: &out, using: &random)
        return out
    }

    private func render(into out: inout [UInt8], using random: inout SplitMix64) {
        switch self {
        case .raw(let bytes):
            out += bytes
        case .sequence(let parts):
            for part in parts { part.render(into: &out, using: &random) }
        case .string(let scalars):
            Self.renderString(scalars, into: &out, using: &random)
        case .array(let elements, let trailingComma):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.whitespace(into: &out, using: &random)
                element.render(into: &out, using: &random)
                Self.whitespace(into: &out, using: &random)
            }
            if trailingComma { out.append(UInt8(ascii: ",")) }
            Self.whitespace(into: &out, using: &random)
            out.append(UInt8(ascii: "]"))
        case .object(let fields, let trailingComma):
            out.append(UInt8(ascii: "{"))
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.whitespace(into: &out, using: &random)
                Self.renderString(field.key, into: &out, using: &random)
                Self.whitespace(into: &out, using: &random)
                out.append(UInt8(ascii: ":"))
                Self.whitespace(into: &out, using: &random)
                field.value.render(into: &out, using: &random)
                Self.whitespace(into: &out, using: &random)
            }
            if trailingComma { out.append(UInt8(ascii: ",")) }
            Self.whitespace(into: &out, using: &random)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Usually nothing, sometimes a few of the four whitespace characters JSON allows.
    private static func whitespace(into out: inout [UInt8], using random: inout SplitMix64) {
        guard Int.random(in: 0..<4, using: &random) == 0 else { return }
        let characters: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            out.append(characters[Int.random(in: 0..<characters.count, using: &random)])
        }
    }

    /// A string with each scalar written raw (where allowed), as a short escape, or as `\u` escapes.
    static func renderString(_ scalars: [Unicode.Scalar], into out: inout [UInt8], using random: inout SplitMix64) {
        out.append(UInt8(ascii: "\""))
        for scalar in scalars {
            let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
            let style = Int.random(in: 0..<4, using: &random)
            if !mustEscape && style >= 2 {
                out += Array(String(scalar).utf8)
            } else if let short = shortEscape(scalar), style != 0 {
                out += [UInt8(ascii: "\\"), short]
            } else if scalar.value > 0xFFFF {
                let value = scalar.value - 0x10000
                unicodeEscape(UInt16(0xD800 + (value >> 10)), into: &out, using: &random)
                unicodeEscape(UInt16(0xDC00 + (value & 0x3FF)), into: &out, using: &random)
            } else {
                unicodeEscape(UInt16(scalar.value), into: &out, using: &random)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func shortEscape(_ scalar: Unicode.Scalar) -> UInt8? {
        switch scalar {
        case "\"", "\\", "/": UInt8(scalar.value)
        case "\u{8}": UInt8(ascii: "b")
        case "\u{C}": UInt8(ascii: "f")
        case "\n": UInt8(ascii: "n")
        case "\r": UInt8(ascii: "r")
        case "\t": UInt8(ascii: "t")
        default: nil
        }
    }

    /// `\uXXXX` in lower- or upper-case hex.
    private static func unicodeEscape(_ unit: UInt16, into out: inout [UInt8], using random: inout SplitMix64) {
        var hex = String(unit, radix: 16, uppercase: Bool.random(using: &random))
        hex = String(repeating: "0", count: 4 - hex.count) + hex
        out += Array("\\u\(hex)".utf8)
    }
}
