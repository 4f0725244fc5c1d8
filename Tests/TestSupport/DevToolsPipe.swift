import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The DevTools protocol over `--remote-debugging-pipe`: NUL-terminated JSON messages both ways on one socket.
///
/// Callers send a command and await its reply by id (``call(_:_:session:timeout:)``); a dedicated thread
/// reads every message, hands replies to their callers, events to the awaiting ``expectEvent(_:session:)``
/// and to each session's listener. When the socket closes every waiter fails with
/// ``BrowserError/disconnected(log:)``.
final class DevToolsPipe: Sendable {
    typealias Listener = @Sendable (_ method: String, _ params: JSONValue) -> Void

    private struct EventWaiter {
        var method: String
        var session: String?
        var reply: DevToolsReply
    }

    private struct State {
        var nextID = 0
        var replies: [Int: (method: String, reply: DevToolsReply)] = [:]
        var eventWaiters: [Int: EventWaiter] = [:]
        var listeners: [String: Listener] = [:]
        /// Set once the socket closed; every later call fails with it.
        var failure: BrowserError?
    }

    private let fd: Int32
    private let state = Mutex(State())
    /// Serialises writers, so that messages never interleave.
    private let writing = Mutex(())
    /// The end of chromium's output, for ``BrowserError/disconnected(log:)``.
    private let logTail: @Sendable () -> String

    /// Takes ownership of `fd` and starts the reader thread.
    init(fd: Int32, logTail: @escaping @Sendable () -> String) {
        self.fd = fd
        self.logTail = logTail
        var sendTimeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in readLoop() }
        thread.name = "chromium-devtools"
        thread.start()
    }

    /// Sends `method` with `params` (to the page `session`, or the browser when `nil`) and returns the
    /// command's `result`.
    func call(_ method: String, _ params: JSONValue = [:], session: String? = nil,
              timeout: Duration) async throws -> JSONValue {
        let reply = DevToolsReply()
        let registered = state.withLock { state -> Result<Int, BrowserError> in
            if let failure = state.failure { return .failure(failure) }
            state.nextID += 1
            state.replies[state.nextID] = (method, reply)
            return .success(state.nextID)
        }
        let id = try registered.get()
        defer { _ = state.withLock { $0.replies.removeValue(forKey: id) } }
        var message: JSONValue = ["id": .number(Double(id)), "method": .string(method), "params": params]
        if let session, case .object(var members) = message {
            members["sessionId"] = .string(session)
            message = .object(members)
        }
        try write(Data(message.description.utf8) + [0])
        return try await reply.value(timeout: timeout, what: "\(method) \(params.description.prefix(200))")
    }

    /// Starts listening for the next `method` event (of `session`, or of the browser when `nil`); await the
    /// returned reply for its `params`, then ``forget(_:)`` it. Registering before the action that causes the
    /// event means it cannot be missed.
    func expectEvent(_ method: String, session: String?) -> (id: Int, reply: DevToolsReply) {
        let reply = DevToolsReply()
        let id = state.withLock { state -> Int in
            state.nextID += 1
            if let failure = state.failure { reply.fulfill(.failure(failure)) }
            state.eventWaiters[state.nextID] = EventWaiter(method: method, session: session, reply: reply)
            return state.nextID
        }
        return (id, reply)
    }

    /// Stops listening for an event registered by ``expectEvent(_:session:)``.
    func forget(_ id: Int) {
        _ = state.withLock { $0.eventWaiters.removeValue(forKey: id) }
    }

    /// Calls `listener` on the reader thread with every event of `session` (keep it short).
    func listen(session: String, _ listener: @escaping Listener) {
        state.withLock { $0.listeners[session] = listener }
    }

    func stopListening(session: String) {
        _ = state.withLock { $0.listeners.removeValue(forKey: session) }
    }

    /// Unblocks the reader thread, which then fails every waiter. The socket itself is closed when the last
    /// reference goes (the reader thread holds one until it ends), so no write can meet a reused descriptor.
    func shutDown() {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
    }

    deinit {
        close(fd)
    }

    private func write(_ data: Data) throws {
        try writing.withLock { _ in
            try data.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let sent = send(fd, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
                    if sent < 0 {
                        if errno == EINTR { continue }
                        throw state.withLock { $0.failure } ?? BrowserError.disconnected(log: logTail())
                    }
                    offset += sent
                }
            }
        }
    }

    private func readLoop() {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            // Only the new bytes can hold a terminator (a screenshot's reply spans many reads).
            var searchFrom = pending.count
            pending.append(contentsOf: buffer[..<count])
            while let end = pending[searchFrom...].firstIndex(of: 0) {
                let message = pending[..<end]
                if let value = try? JSONDecoder().decode(JSONValue.self, from: message) { dispatch(value) }
                pending = Data(pending[(end + 1)...])
                searchFrom = 0
            }
        }
        let failure = BrowserError.disconnected(log: logTail())
        let waiting = state.withLock { state -> [DevToolsReply] in
            state.failure = failure
            defer { state.replies = [:]; state.eventWaiters = [:]; state.listeners = [:] }
            return state.replies.values.map(\.reply) + state.eventWaiters.values.map(\.reply)
        }
        waiting.forEach { $0.fulfill(.failure(failure)) }
    }

    private func dispatch(_ message: JSONValue) {
        let session = message["sessionId"].string
        if let id = message["id"].int {
            guard let (method, reply) = state.withLock({ $0.replies.removeValue(forKey: id) }) else { return }
            let error = message["error"]
            if error.isNull {
                reply.fulfill(.success(message["result"]))
            } else {
                reply.fulfill(.failure(BrowserError.protocolError(
                    method: method, message: error["message"].string ?? error.description)))
            }
            return
        }
        guard let method = message["method"].string else { return }
        let params = message["params"]
        let (waiters, listener) = state.withLock { state -> ([DevToolsReply], Listener?) in
            let matching = state.eventWaiters.filter { $0.value.method == method && $0.value.session == session }
            matching.keys.forEach { state.eventWaiters.removeValue(forKey: $0) }
            return (matching.values.map(\.reply), session.flatMap { state.listeners[$0] })
        }
        waiters.forEach { $0.fulfill(.success(params)) }
        listener?(method, params)
    }
}
