extension RedisReply {
    /// The elements of an array reply of field-value (or member-score) pairs, as `HGETALL` and `ZRANGE …
    /// WITHSCORES` answer, in order; a trailing odd element is ignored, and so is every element that is not text.
    public var pairs: [(String, String)] {
        let flat = array?.compactMap(\.string) ?? []
        return stride(from: 0, to: flat.count - 1, by: 2).map { (flat[$0], flat[$0 + 1]) }
    }

    /// ``pairs`` as a dictionary (a repeated field keeps its last value).
    public var fields: [String: String] {
        pairs.reduce(into: [:]) { $0[$1.0] = $1.1 }
    }

    /// The reply of `TIME` (seconds and microseconds) in microseconds, if it is one.
    public var timeMicroseconds: Int? {
        let parts = array?.compactMap { $0.int.map(Int.init) } ?? []
        return parts.count == 2 ? parts[0] * 1_000_000 + parts[1] : nil
    }
}
