import CCurl
import Foundation
import ServiceLifecycle
import ServiceThread
import Synchronization

/// An HTTP client for many requests in flight at once from any number of tasks: one libcurl multi handle
/// driven by one thread, which ``run()`` owns (run it as a service). ``send(_:)`` suspends the calling task (no
/// thread waits) until the response; cancelling the task aborts its transfer. Idle connections are kept alive
/// and reused. Thread safe.
public final class HTTPMultiClient: Service, Sendable {
    public let configuration: HTTPClient.Configuration
    private let loop: TransferLoop

    public init(configuration: HTTPClient.Configuration = HTTPClient.Configuration()) {
        self.configuration = configuration
        loop = TransferLoop(configuration: configuration)
    }

    /// Drives the transfers until graceful shutdown or cancellation; then fails what is still in flight and
    /// returns. Requests sent before it starts wait for it; requests sent after it ended fail at once.
    public func run() async throws {
        await ServiceThread.run(name: "http-multi", loop: { [loop] in loop.run() }, stop: { [loop] in loop.stop() })
    }

    /// Sends the request and returns the response whatever its status; throws only transport errors (and
    /// `.cancelled` when the calling task is cancelled).
    public func send(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let id = loop.nextID()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                loop.submit(TransferLoop.Job(id: id, request: request, continuation: continuation))
            }
        } onCancel: { [loop] in
            loop.cancel(id)
        }
        return try result.get()
    }

    /// Transfers in flight now (for tests and metrics).
    public var inFlight: Int { loop.inFlight.load(ordering: .relaxed) }
}

/// The state of the multi handle; everything but `incoming` and `inFlight` belongs to the loop thread.
final class TransferLoop: @unchecked Sendable {
    struct Job: Sendable {
        let id: UInt64
        let request: HTTPClientRequest
        let continuation: CheckedContinuation<Result<HTTPClientResponse, HTTPClientError>, Never>
    }

    private struct Incoming {
        var jobs: [Job] = []
        var cancelled: [UInt64] = []
        var stopped = false
        var started = false
    }

    let configuration: HTTPClient.Configuration
    private let multi: UnsafeMutableRawPointer
    private let incoming = Mutex(Incoming())
    private let ids = Atomic<UInt64>(0)
    let inFlight = Atomic<Int>(0)
    private var active: [UnsafeMutableRawPointer: (transfer: CurlTransfer, job: Job)] = [:]
    private var spare: [CurlTransfer] = []

    init(configuration: HTTPClient.Configuration) {
        _ = CurlTransfer.globalInit
        guard let multi = curl_multi_init() else { fatalError("curl_multi_init failed: out of memory") }
        self.multi = multi
        self.configuration = configuration
    }

    deinit { curl_multi_cleanup(multi) }

    func nextID() -> UInt64 { ids.add(1, ordering: .relaxed).newValue }

    func submit(_ job: Job) {
        let accepted = incoming.withLock { state -> Bool in
            if state.stopped { return false }
            state.jobs.append(job)
            return true
        }
        guard accepted else {
            job.continuation.resume(returning: .failure(.transport(code: -1, message: "HTTP client closed")))
            return
        }
        inFlight.add(1, ordering: .relaxed)
        curl_multi_wakeup(multi)
    }

    /// Aborts the transfer of a cancelled task (on the loop thread, which owns the handles).
    func cancel(_ id: UInt64) {
        incoming.withLock { $0.cancelled.append(id) }
        curl_multi_wakeup(multi)
    }

    func stop() {
        incoming.withLock { $0.stopped = true }
        curl_multi_wakeup(multi)
    }

    /// Starts new transfers, drives libcurl, hands finished responses back, and sleeps in `curl_multi_poll`
    /// until a socket is ready, a timeout of libcurl's is due, or ``submit(_:)`` wakes it.
    /// A second run of it returns at once (the handles belong to one thread).
    func run() {
        let first = incoming.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        while true {
            let (jobs, cancelled, stopped) = incoming.withLock { state in
                defer {
                    state.jobs.removeAll(keepingCapacity: true)
                    state.cancelled.removeAll(keepingCapacity: true)
                }
                return (state.jobs, state.cancelled, state.stopped)
            }
            if stopped {
                shutDown(pending: jobs)
                return
            }
            for job in jobs { start(job) }
            if !cancelled.isEmpty { abort(cancelled) }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            collectFinished()
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ job: Job) {
        let transfer = spare.popLast() ?? CurlTransfer()
        do {
            try transfer.prepare(job.request, configuration: configuration)
        } catch {
            complete(job, with: .failure(error))
            spare.append(transfer)
            return
        }
        active[transfer.handle] = (transfer, job)
        curl_multi_add_handle(multi, transfer.handle)
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let (transfer, job) = active.removeValue(forKey: handle) else { continue }
            let result = message.pointee.data.result
            curl_multi_remove_handle(multi, handle)
            complete(job, with: transfer.finish(result))
            if spare.count < 256 { spare.append(transfer) }
        }
    }

    private func abort(_ ids: [UInt64]) {
        for (handle, entry) in active where ids.contains(entry.job.id) {
            active[handle] = nil
            curl_multi_remove_handle(multi, handle)
            complete(entry.job, with: .failure(.cancelled))
            if spare.count < 256 { spare.append(entry.transfer) }
        }
    }

    private func complete(_ job: Job, with result: Result<HTTPClientResponse, HTTPClientError>) {
        inFlight.subtract(1, ordering: .relaxed)
        job.continuation.resume(returning: result)
    }

    private func shutDown(pending: [Job]) {
        let closed = HTTPClientError.transport(code: -1, message: "HTTP client closed")
        for (handle, entry) in active {
            curl_multi_remove_handle(multi, handle)
            complete(entry.job, with: .failure(closed))
        }
        active.removeAll()
        for job in pending { complete(job, with: .failure(closed)) }
        spare.removeAll()
    }
}
