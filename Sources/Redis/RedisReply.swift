/// One reply of the Redis protocol (RESP2), copied out of hiredis so it outlives the C reply object.
public enum RedisReply: Sendable, Equatable {
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    /// An error reply such as `NOSCRIPT No matching script`.
    case error(String)
    case integer(Int64)
    /// A bulk string, binary safe.
    case bulk([UInt8])
    case array([RedisReply])
    case null

    /// The text of a bulk or status reply (bulk bytes decoded as UTF-8), else `nil`.
    public var string: String? {
        switch self {
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .status(let text): return text
        default: return nil
        }
    }

    /// An integer reply, or a bulk/status reply holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let value): return value
        case .bulk, .status: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array reply, else `nil`.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool { self == .null }
}
