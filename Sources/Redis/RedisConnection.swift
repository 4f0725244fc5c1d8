import CHiredis
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One blocking connection to Redis over hiredis.
///
/// Not thread safe: one thread uses it at a time (``RedisPool`` hands each connection to one borrower).
/// A hiredis context is unusable after an I/O error, so the connection drops it and reconnects (with
/// `AUTH` and `SELECT`) at the start of the next command.
public final class RedisConnection: @unchecked Sendable {
    /// Round trips (a command, or a whole pipeline) and commands sent by every connection of this process.
    public static var traffic: (roundTrips: Int, commands: Int) {
        (roundTripCount.load(ordering: .relaxed), commandCount.load(ordering: .relaxed))
    }

    private static let roundTripCount = Atomic<Int>(0)
    private static let commandCount = Atomic<Int>(0)

    public let configuration: RedisConfiguration
    private var context: UnsafeMutablePointer<redisContext>?

    /// Creates the connection; it connects lazily on the first command (or on ``connect()``). A connection for
    /// blocking commands (`BLPOP`) needs a ``RedisConfiguration/commandTimeout`` longer than their block.
    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
    }

    deinit { disconnect() }

    /// Whether a live context is held (it may still turn out broken on the next command).
    public var isConnected: Bool { context != nil }

    /// The socket of the live context, or -1.
    var socket: Int32 { context.map { $0.pointee.fd } ?? -1 }

    /// Connects now if not connected; throws `connectFailed` or `handshake`.
    public func connect() throws {
        if context != nil { return }
        guard let ctx = redisConnectWithTimeout(configuration.host, Int32(configuration.port),
                                                Self.timeval(configuration.connectTimeout)) else {
            throw RedisError.connectFailed("out of memory")
        }
        if ctx.pointee.err != 0 {
            let message = Self.errorText(ctx)
            redisFree(ctx)
            throw RedisError.connectFailed("\(configuration.host):\(configuration.port): \(message)")
        }
        redisSetTimeout(ctx, Self.timeval(configuration.commandTimeout))
        context = ctx
        do {
            if let password = configuration.password {
                let auth = configuration.username.map { ["AUTH", $0, password] } ?? ["AUTH", password]
                if case .error(let message) = try send(auth) {
                    throw RedisError.handshake("AUTH refused: \(message)")
                }
            }
            if configuration.database != 0,
               case .error(let message) = try send(["SELECT", String(configuration.database)]) {
                throw RedisError.handshake("SELECT \(configuration.database) refused: \(message)")
            }
        } catch {
            disconnect()
            throw error
        }
    }

    /// Closes the socket; the next command connects again.
    public func disconnect() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Runs one command (arguments are binary safe). An error *reply* is returned as `.error`, not thrown;
    /// use ``execute(_:)`` to have it thrown.
    public func send(_ arguments: [String]) throws -> RedisReply {
        try connect()
        guard let ctx = context else { throw RedisError.connectFailed("not connected") }
        Self.roundTripCount.add(1, ordering: .relaxed)
        Self.commandCount.add(1, ordering: .relaxed)
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(ctx, argc, argv, lengths)
        }
        guard let raw else {
            let message = Self.errorText(ctx)
            disconnect()
            throw RedisError.io(message)
        }
        let reply = raw.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(raw) }
        return Self.convert(reply)
    }

    /// Writes every command, then reads their replies in order: one round trip for all of them (pipelining).
    /// Error replies are returned as `.error`; an I/O error throws and drops the connection (commands before
    /// it may have run).
    public func pipeline(_ commands: [[String]]) throws -> [RedisReply] {
        try connect()
        guard let ctx = context else { throw RedisError.connectFailed("not connected") }
        Self.roundTripCount.add(1, ordering: .relaxed)
        Self.commandCount.add(commands.count, ordering: .relaxed)
        for arguments in commands {
            let status = Self.withArgv(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(ctx, argc, argv, lengths)
            }
            if status != REDIS_OK { throw ioFailure(ctx) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(ctx, &raw) == REDIS_OK, let raw else { throw ioFailure(ctx) }
            replies.append(Self.convert(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    private func ioFailure(_ ctx: UnsafeMutablePointer<redisContext>) -> RedisError {
        let message = Self.errorText(ctx)
        disconnect()
        return RedisError.io(message)
    }

    /// Runs one command and throws `RedisError.server` for an error reply.
    @discardableResult
    public func execute(_ arguments: [String]) throws -> RedisReply {
        let reply = try send(arguments)
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    // MARK: - C plumbing

    private static func timeval(_ seconds: Double) -> timeval {
        let whole = Int(seconds)
        return Glibc.timeval(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }

    private static func errorText(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: ctx.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "error \(ctx.pointee.err)" : text
    }

    /// Lays the arguments out in one buffer and passes hiredis the pointer and length arrays.
    private static func withArgv<T>(_ arguments: [String],
                                    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>,
                                             UnsafePointer<Int>) -> T) -> T {
        var bytes: [UInt8] = []
        var lengths: [Int] = []
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            let utf8 = argument.utf8
            lengths.append(utf8.count)
            bytes.append(contentsOf: utf8)
        }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self)
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(arguments.count)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { lens in
                    body(Int32(arguments.count), argv.baseAddress!, lens.baseAddress!)
                }
            }
        }
    }

    private static func convert(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let r = reply.pointee
        func text() -> [UInt8] {
            guard let str = r.str else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: Int(r.len)))
        }
        switch r.type {
        case REDIS_REPLY_STRING: return .bulk(text())
        case REDIS_REPLY_STATUS: return .status(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: text(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(r.integer)
        case REDIS_REPLY_NIL: return .null
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(Int(r.elements))
            for index in 0..<Int(r.elements) {
                if let element = r.element[index] { elements.append(convert(element)) }
            }
            return .array(elements)
        default:
            // RESP3 types from newer hiredis builds; this client speaks RESP2, so keep the text if any.
            return .bulk(text())
        }
    }
}
