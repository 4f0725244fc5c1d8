import Foundation

/// Duplicate object keys, compared by their unescaped value (`"a"` and `"\u0061"` are the same key).
extension StrictJSONParser {
    /// Objects with up to this many keys (every real webhook object) are checked pair by pair; larger ones
    /// are sorted, so a 64 KiB object of thousands of keys costs O(n log n) comparisons, not O(n²).
    static let pairwiseLimit = 8

    /// Throws `.duplicateKey`, at the later occurrence's opening quote, when two of `keys[first...]` (the keys
    /// of the object just closed) are equal.
    mutating func checkDuplicateKeys(from first: Int) throws(StrictJSONError) {
        let bytes = self.bytes
        guard keys.count - first > 1 else { return }
        if keys.count - first <= Self.pairwiseLimit {
            for later in first + 1 ..< keys.count {
                for earlier in first ..< later where Self.compare(keys[earlier], keys[later], in: bytes) == 0 {
                    throw StrictJSONError(.duplicateKey, at: keys[later].start - 1)
                }
            }
            return
        }
        keys[first...].sort { left, right in
            let order = Self.compare(left, right, in: bytes)
            return order != 0 ? order < 0 : left.start < right.start
        }
        // Equal keys are now adjacent, in document order.
        for index in first + 1 ..< keys.count where Self.compare(keys[index - 1], keys[index], in: bytes) == 0 {
            throw StrictJSONError(.duplicateKey, at: keys[index].start - 1)
        }
    }

    /// Orders two keys by unescaped length, then by their unescaped UTF-8 bytes: negative, 0 (the same key)
    /// or positive.
    static func compare(_ left: Key, _ right: Key, in bytes: UnsafeRawBufferPointer) -> Int {
        if left.decodedLength != right.decodedLength { return left.decodedLength < right.decodedLength ? -1 : 1 }
        if !left.escaped && !right.escaped {
            guard left.decodedLength > 0, let base = bytes.baseAddress else { return 0 }
            return Int(memcmp(base + left.start, base + right.start, left.decodedLength))
        }
        var leftBytes = DecodedBytes(bytes, left), rightBytes = DecodedBytes(bytes, right)
        while let one = leftBytes.next() {
            guard let other = rightBytes.next() else { return 1 }
            if one != other { return one < other ? -1 : 1 }
        }
        return rightBytes.next() == nil ? 0 : -1
    }

    /// The unescaped UTF-8 bytes of a string the parser has already validated.
    struct DecodedBytes {
        private let bytes: UnsafeRawBufferPointer
        private var position: Int
        private let end: Int
        /// Bytes of an escaped scalar still to hand out, the next one lowest.
        private var pending: UInt32 = 0
        private var pendingCount = 0

        init(_ bytes: UnsafeRawBufferPointer, _ key: Key) {
            self.bytes = bytes
            position = key.start
            end = key.end
        }

        mutating func next() -> UInt8? {
            if pendingCount > 0 {
                defer { pending >>= 8; pendingCount -= 1 }
                return UInt8(truncatingIfNeeded: pending)
            }
            guard position < end else { return nil }
            let byte = bytes[position]
            guard byte == ASCII.backslash else {
                position += 1
                return byte
            }
            let kind = bytes[position + 1]
            position += 2
            switch kind {
            case UInt8(ascii: "b"): return 0x08
            case UInt8(ascii: "f"): return 0x0C
            case UInt8(ascii: "n"): return ASCII.lineFeed
            case UInt8(ascii: "r"): return ASCII.carriageReturn
            case UInt8(ascii: "t"): return ASCII.tab
            case UInt8(ascii: "u"):
                var scalar = hexUnit()
                if (0xD800...0xDBFF).contains(scalar) {
                    position += 2 // the low surrogate's `\u`
                    scalar = 0x10000 + (scalar - 0xD800) << 10 + (hexUnit() - 0xDC00)
                }
                return encode(scalar)
            default: // `"`, `\` and `/` stand for themselves
                return kind
            }
        }

        private mutating func hexUnit() -> UInt32 {
            var unit: UInt32 = 0
            for index in position ..< position + 4 { unit = unit << 4 | UInt32(ASCII.hexValue(bytes[index]) ?? 0) }
            position += 4
            return unit
        }

        /// Returns the first UTF-8 byte of `scalar` and queues the others.
        private mutating func encode(_ scalar: UInt32) -> UInt8 {
            let first: UInt32
            switch scalar {
            case ..<0x80:
                return UInt8(scalar)
            case ..<0x800:
                first = 0xC0 | scalar >> 6
                pending = 0x80 | scalar & 0x3F
                pendingCount = 1
            case ..<0x10000:
                first = 0xE0 | scalar >> 12
                pending = (0x80 | scalar >> 6 & 0x3F) | (0x80 | scalar & 0x3F) << 8
                pendingCount = 2
            default:
                first = 0xF0 | scalar >> 18
                pending = (0x80 | scalar >> 12 & 0x3F) | (0x80 | scalar >> 6 & 0x3F) << 8 | (0x80 | scalar & 0x3F) << 16
                pendingCount = 3
            }
            return UInt8(first)
        }
    }
}
