/// A JSON array whose elements are decoded one by one: an element that does not decode as `Element` is
/// skipped instead of failing the whole array.
struct LenientList<Element: Decodable>: Decodable {
    let elements: [Element]

    init(from decoder: Decoder) throws {
        elements = try [Slot].init(from: decoder).compactMap(\.value)
    }

    /// One element, or nil when it did not decode (decoding a slot always succeeds, so the array moves on).
    private struct Slot: Decodable {
        let value: Element?
        init(from decoder: Decoder) throws { value = try? Element(from: decoder) }
    }
}
