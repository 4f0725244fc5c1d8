import CCurl
import Foundation

/// One libcurl easy handle with what a transfer needs around it (error buffer, header list, response sink),
/// shared by the blocking ``HTTPClient`` and the concurrent ``HTTPMultiClient``. The handle is reused across
/// requests; `prepare` resets it for the next one.
final class CurlTransfer {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var sink = ResponseSink()
    /// The URL of the current request, for error messages.
    private(set) var url = ""

    static let globalInit: Void = {
        curl_global_init(3) // CURL_GLOBAL_ALL
    }()

    init() {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed: out of memory") }
        self.handle = handle
    }

    deinit {
        curl_slist_free_all(headerList)
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sets every option for `request`; the handle keeps its connection cache (or the multi handle's).
    func prepare(_ request: HTTPClientRequest, configuration: HTTPClient.Configuration) throws(HTTPClientError) {
        curl_easy_reset(handle)
        curl_slist_free_all(headerList)
        headerList = nil
        errorBuffer[0] = 0
        sink = ResponseSink(limit: configuration.maxResponseBytes)
        url = request.url
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()

        var headers = request.headers
        switch request.body {
        case .form: headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        case .json: headers.append(("Content-Type", "application/json"))
        case .raw(_, let type): headers.append(("Content-Type", type))
        case .none: break
        }
        headers.append(("Expect", "")) // no 100-continue round trip
        for (name, value) in headers {
            // Check scalars, not Characters: "\r\n" is one Character that equals neither "\r" nor "\n".
            guard !name.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" }),
                  !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                throw .invalidRequest("header \(name) contains a line break or colon")
            }
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }

        let connectTimeout = request.connectTimeout ?? configuration.connectTimeout
        let totalTimeout = request.totalTimeout ?? configuration.totalTimeout
        var status = caa_curl_setopt_string(handle, CURLOPT_URL, request.fullURL)
        status = combine(status, caa_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        status = combine(status, caa_curl_setopt_long(handle, CURLOPT_TCP_NODELAY, 1))
        status = combine(status, caa_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000)))
        status = combine(status, caa_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(totalTimeout * 1000)))
        status = combine(status, caa_curl_setopt_string(handle, CURLOPT_USERAGENT, configuration.userAgent))
        status = combine(status, caa_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer))
        status = combine(status, caa_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList))
        status = combine(status, caa_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, bodyCallback))
        status = combine(status, caa_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer))
        status = combine(status, caa_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, headerCallback))
        status = combine(status, caa_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer))
        status = combine(status, setMethodAndBody(request))
        guard status == CURLE_OK else {
            throw .invalidRequest("libcurl refused an option: \(String(cString: curl_easy_strerror(status)))")
        }
    }

    /// The outcome of the finished transfer, given libcurl's result code for it.
    func finish(_ result: CURLcode) -> Result<HTTPClientResponse, HTTPClientError> {
        if sink.overflowed {
            let limit = sink.limit
            sink = ResponseSink()
            return .failure(.responseTooLarge(limit: limit))
        }
        if result != CURLE_OK { return .failure(error(for: result)) }
        var code = 0
        _ = caa_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        var connects = 0
        _ = caa_curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        let response = HTTPClientResponse(status: code, headers: sink.headers, body: sink.body,
                                          reusedConnection: connects == 0)
        sink = ResponseSink()
        return .success(response)
    }

    private func setMethodAndBody(_ request: HTTPClientRequest) -> CURLcode {
        let method = request.method.uppercased()
        let payload: Data? = switch request.body {
        case .none: method == "POST" || method == "PUT" || method == "PATCH" ? Data() : nil
        case .form(let fields): Data(HTTPClientRequest.formEncode(fields).utf8)
        case .json(let data), .raw(let data, _): data
        }
        var status = CURLE_OK
        if method == "HEAD" {
            status = caa_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        } else if method != "GET" && method != "POST" {
            status = caa_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        }
        if let payload {
            status = combine(status, caa_curl_setopt_long(handle, CURLOPT_POST, 1))
            status = combine(status, caa_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(payload.count)))
            // COPYPOSTFIELDS copies the bytes, so the Data may go away before the transfer.
            status = combine(status, payload.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return caa_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "") }
                return caa_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
            })
        }
        return status
    }

    private func combine(_ first: CURLcode, _ second: CURLcode) -> CURLcode { first == CURLE_OK ? second : first }

    private func error(for code: CURLcode) -> HTTPClientError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout(message)
        case CURLE_COULDNT_CONNECT: return .connectionRefused(message)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .invalidRequest("\(message) (\(url))")
        default: return .transport(code: Int(code.rawValue), message: message)
        }
    }
}

/// Collects the body and headers of one transfer; libcurl calls into it through the C callbacks below.
private final class ResponseSink {
    /// The most body bytes kept; a larger answer ends the transfer (``HTTPClientError/responseTooLarge(limit:)``).
    let limit: Int
    var overflowed = false
    init(limit: Int = .max) { self.limit = limit }

    var body = Data()
    var headers: [(name: String, value: String)] = []
}

private let bodyCallback: caa_curl_data_callback = { data, size, count, userdata in
    let length = size * count
    guard let data, let userdata else { return length }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    guard sink.body.count + length <= sink.limit else {
        sink.overflowed = true
        return 0 // libcurl ends the transfer with CURLE_WRITE_ERROR
    }
    sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: length)
    return length
}

private let headerCallback: caa_curl_data_callback = { data, size, count, userdata in
    let length = size * count
    guard let data, let userdata else { return length }
    let sink = Unmanaged<ResponseSink>.fromOpaque(userdata).takeUnretainedValue()
    let line = UnsafeRawBufferPointer(start: data, count: length)
    if line.starts(with: "HTTP/".utf8) {
        sink.headers.removeAll() // a new response (after 100 Continue or a redirect) starts
    } else if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        // Bytes, not Foundation's trimming: this runs for every header of every API answer.
        func trimmed(_ part: UnsafeRawBufferPointer.SubSequence) -> String {
            let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
            guard let first = part.firstIndex(where: { !isSpace($0) }), let last = part.lastIndex(where: { !isSpace($0) }) else {
                return ""
            }
            return String(decoding: part[first...last], as: UTF8.self)
        }
        sink.headers.append((trimmed(line[..<colon]).lowercased(), trimmed(line[(colon + 1)...])))
    }
    return length
}
