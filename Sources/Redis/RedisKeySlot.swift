/// Redis Cluster's key slots: CRC16 (XMODEM) of the key, or of its `{hash tag}`, modulo 16384; and which
/// argument of a command is its key.
public enum RedisKeySlot {
    /// The number of slots of a Redis Cluster.
    public static let count = 16384

    /// The slot of `key`: of the text between the first `{` and the first `}` after it when that text is not
    /// empty (the hash tag), else of the whole key. Bytes are the key's UTF-8, as the server sees them.
    public static func slot(of key: String) -> Int {
        let bytes = Array(key.utf8)
        var hashed = bytes[...]
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
           let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1 {
            hashed = bytes[(open + 1)..<close]
        }
        return Int(crc16(hashed)) % count
    }

    /// The slot of the first command of `commands` that names a key, or `nil` when none does.
    public static func slot(of commands: [[String]]) -> Int? {
        for command in commands {
            if let key = firstKey(of: command) { return slot(of: key) }
        }
        return nil
    }

    /// The first key of a command: after `numkeys` for `EVAL`/`EVALSHA`/`FCALL` (none when it is 0), the
    /// second argument of a key-less command's list below (`nil`), the first argument otherwise.
    public static func firstKey(of command: [String]) -> String? {
        guard command.count > 1 else { return nil }
        let name = command[0].uppercased()
        if scriptCommands.contains(name) {
            guard command.count > 3, let keys = Int(command[2]), keys > 0 else { return nil }
            return command[3]
        }
        if keyless.contains(name) { return nil }
        if name == "OBJECT" || name == "MEMORY" { return command.count > 2 ? command[2] : nil }
        return command[1]
    }

    private static let scriptCommands: Set<String> = ["EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"]

    /// Commands whose arguments are not keys (the ones this service and its tools send, and their kin).
    private static let keyless: Set<String> = [
        "PING", "ECHO", "TIME", "INFO", "SCRIPT", "FUNCTION", "CLUSTER", "CONFIG", "CLIENT", "COMMAND", "MULTI",
        "EXEC", "DISCARD", "ASKING", "READONLY", "READWRITE", "AUTH", "HELLO", "SELECT", "DBSIZE", "FLUSHALL",
        "FLUSHDB", "WAIT", "ROLE", "LASTSAVE", "SAVE", "BGSAVE", "BGREWRITEAOF", "DEBUG", "SLOWLOG", "LATENCY",
        "ACL", "MODULE", "PUBLISH", "SUBSCRIBE", "PSUBSCRIBE", "RANDOMKEY", "SCAN", "KEYS", "SWAPDB", "RESET",
    ]

    /// CRC16/XMODEM (polynomial 0x1021, initial value 0), the checksum Redis Cluster hashes keys with.
    static func crc16(_ bytes: ArraySlice<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 { crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }
}
