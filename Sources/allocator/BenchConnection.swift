import Foundation
import LocalStack

/// The load generator's HTTP/1.1 client: one keep-alive TCP connection, requests written as prepared bytes,
/// responses read by `Content-Length`. It costs the shared cores far less than libcurl, as the raw Redis
/// reference's hiredis client does, so the bench measures the service rather than its own client.
final class BenchConnection {
    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)
    private var start = 0
    private var end = 0

    init(port: UInt16) throws {
        fd = try LoopbackSocket.connect(port: port)
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// `POST path` with a JSON body, as prepared bytes.
    static func post(_ path: String, json: String) -> [UInt8] {
        Array(("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(json.utf8.count)\r\n\r\n" + json).utf8)
    }

    /// Sends the request and returns the response status once the whole response was read.
    func send(_ request: [UInt8]) throws -> Int {
        var written = 0
        while written < request.count {
            let count = request.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, request.count - written) }
            guard count > 0 else { throw ToolError("write failed: errno \(errno)") }
            written += count
        }
        // Headers end at the first CRLFCRLF; then Content-Length bytes of body.
        var headerEnd: Int?
        while true {
            if let found = findHeaderEnd() {
                headerEnd = found
                break
            }
            try fill()
        }
        guard let headerEnd else { throw ToolError("no header end") }
        let head = String(decoding: buffer[start..<headerEnd], as: UTF8.self)
        let status = Int(head.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        start = headerEnd + 4
        while end - start < length { try fill() }
        start += length
        return status
    }

    private func findHeaderEnd() -> Int? {
        guard end - start >= 4 else { return nil }
        for index in start...(end - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    /// Reads more bytes, moving what is unread to the front first.
    private func fill() throws {
        if start > 0 {
            buffer.replaceSubrange(0..<(end - start), with: buffer[start..<end])
            end -= start
            start = 0
        }
        if end == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + end, $0.count - end) }
        guard count > 0 else { throw ToolError(count == 0 ? "connection closed" : "read failed: errno \(errno)") }
        end += count
    }
}
