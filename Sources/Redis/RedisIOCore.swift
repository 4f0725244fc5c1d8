import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The queue and the I/O loop of a ``RedisClient``. One thread at a time drives the connection (writes a
/// pipeline of queued jobs and reads their replies): the I/O thread that ``RedisClient/run()`` owns, or a
/// waiting caller (a thread a C library owns, such as libmicrohttpd's) that found nobody driving. The waiting
/// caller then does the round trip on its own thread, with every job queued meanwhile in the same pipeline,
/// instead of handing its job to the I/O thread and sleeping until it comes back: two context switches less
/// per webhook. Tasks never drive: they must not block.
final class RedisIOCore: @unchecked Sendable {
    struct Job: Sendable {
        let id: UInt64
        /// Written back to back in one pipeline.
        let commands: [[String]]
        /// For a one-command `EVALSHA` job: its `EVAL` form, sent when the reply is `NOSCRIPT`.
        let fallback: [String]?
        /// A blocking command: cancelling it shuts the socket down.
        let interruptible: Bool
        let complete: @Sendable (Result<[RedisReply], any Error>) -> Void
    }

    private struct State {
        var jobs: [Job] = []
        var stopped = false
        var started = false
        /// A thread is using the connection now (the I/O thread, or a waiting caller).
        var driving = false
        /// The interruptible job taken from the queue: its socket once it is being sent (-1 before), and whether
        /// its task was cancelled before that.
        var blocking: (id: UInt64, socket: Int32, cancelled: Bool)?
    }

    private let connection: RedisConnection
    private let maxBatch: Int
    private let state = Mutex(State())
    private let ready = DispatchSemaphore(value: 0)
    private let ids = Atomic<UInt64>(0)
    let pipelines = Atomic<Int>(0)
    let commands = Atomic<Int>(0)

    init(connection: RedisConnection, maxBatch: Int) {
        self.connection = connection
        self.maxBatch = maxBatch
    }

    func nextID() -> UInt64 { ids.add(1, ordering: .relaxed).newValue }

    /// Takes a round trip of `commands` commands out of the statistics (one the client made for itself).
    func uncount(commands count: Int) {
        pipelines.subtract(1, ordering: .relaxed)
        commands.subtract(count, ordering: .relaxed)
    }

    func submit(_ job: Job) {
        let accepted = state.withLock { state -> Bool in
            if state.stopped { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { ready.signal() } else { job.complete(.failure(RedisError.closed)) }
    }

    /// For a caller that waits for `job` on its own thread: drives the connection itself when nobody does
    /// (the job is completed before this returns), else queues it for the current driver or the I/O thread.
    func submitWaiting(_ job: Job) {
        let batch = state.withLock { state -> [Job]? in
            if state.stopped { return nil }
            state.jobs.append(job)
            guard state.started, !state.driving, !state.jobs.contains(where: \.interruptible) else { return [] }
            state.driving = true
            return takeBatch(&state)
        }
        guard let batch else { return job.complete(.failure(RedisError.closed)) }
        if batch.isEmpty {
            ready.signal()
            return
        }
        send(batch)
        let more = state.withLock { state in
            state.driving = false
            return !state.jobs.isEmpty || state.stopped
        }
        if more { ready.signal() } // the I/O thread takes over what came meanwhile (or ends)
    }

    /// A job still queued is dropped and fails with `CancellationError`; a blocking one being sent is
    /// interrupted; any other is left to finish (Redis answers it within the command timeout).
    func cancel(_ id: UInt64) {
        let queued = state.withLock { state -> Job? in
            if let index = state.jobs.firstIndex(where: { $0.id == id }) { return state.jobs.remove(at: index) }
            if let blocking = state.blocking, blocking.id == id {
                if blocking.socket >= 0 {
                    _ = Glibc.shutdown(blocking.socket, Int32(SHUT_RDWR))
                } else {
                    state.blocking?.cancelled = true // taken, not sent yet: it will not be
                }
            }
            return nil
        }
        queued?.complete(.failure(CancellationError()))
    }

    /// Ends the thread once the jobs queued now are done; later jobs fail with `RedisError.closed`.
    func stop() {
        state.withLock { $0.stopped = true }
        ready.signal()
    }

    /// The I/O loop, run by ``RedisClient/run()`` on a thread of its own until ``stop()``; a second run of it
    /// returns at once (the connection belongs to one thread).
    func loop() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        while true {
            let (batch, done) = state.withLock { state -> ([Job], Bool) in
                // A waiting caller drives now: it signals when it is done.
                if state.driving { return ([], false) }
                let batch = takeBatch(&state)
                if !batch.isEmpty { state.driving = true }
                return (batch, batch.isEmpty && state.stopped)
            }
            if done { break }
            if batch.isEmpty {
                ready.wait()
                continue
            }
            send(batch)
            state.withLock { $0.driving = false }
        }
        connection.disconnect()
    }

    /// Takes a pipeline of whole jobs off the queue, at most maxBatch commands; a blocking job goes alone.
    private func takeBatch(_ state: inout State) -> [Job] {
        var count = 0, size = 0
        while count < state.jobs.count,
              count == 0 || (size + state.jobs[count].commands.count <= maxBatch && !state.jobs[count].interruptible) {
            size += state.jobs[count].commands.count
            count += 1
            if state.jobs[count - 1].interruptible { break }
        }
        let batch = Array(state.jobs.prefix(count))
        state.jobs.removeFirst(count)
        if let interruptible = batch.first(where: \.interruptible) { state.blocking = (interruptible.id, -1, false) }
        return batch
    }

    private func send(_ batch: [Job]) {
        let flat = batch.flatMap(\.commands)
        pipelines.add(1, ordering: .relaxed)
        commands.add(flat.count, ordering: .relaxed)
        let blocking = batch.first { $0.interruptible }
        do {
            defer { if blocking != nil { state.withLock { $0.blocking = nil } } }
            if blocking != nil {
                try connection.connect()
                let socket = connection.socket
                let cancelled = state.withLock { state -> Bool in
                    state.blocking?.socket = socket
                    return state.blocking?.cancelled ?? false
                }
                if cancelled { throw CancellationError() }
            }
            var replies = try connection.pipeline(flat)[...]
            var answers: [[RedisReply]] = []
            var retries: [(job: Int, command: [String])] = []
            for (index, job) in batch.enumerated() {
                let mine = Array(replies.prefix(job.commands.count))
                replies = replies.dropFirst(job.commands.count)
                if let fallback = job.fallback, mine.count == 1, case .error(let message) = mine[0],
                   message.hasPrefix("NOSCRIPT") {
                    retries.append((index, fallback))
                }
                answers.append(mine)
            }
            if !retries.isEmpty {
                pipelines.add(1, ordering: .relaxed)
                commands.add(retries.count, ordering: .relaxed)
                for (retry, reply) in zip(retries, try connection.pipeline(retries.map(\.command))) {
                    answers[retry.job] = [reply]
                }
            }
            for (job, answer) in zip(batch, answers) { job.complete(.success(answer)) }
        } catch {
            for job in batch { job.complete(.failure(error)) }
        }
    }
}
