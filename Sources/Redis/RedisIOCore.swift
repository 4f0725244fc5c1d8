import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The queue and the I/O thread of a ``RedisClient``; the connection belongs to the thread alone.
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
        /// The interruptible job being sent now and the socket it uses.
        var blocking: (id: UInt64, socket: Int32)?
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

    func submit(_ job: Job) {
        let accepted = state.withLock { state -> Bool in
            if state.stopped { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { ready.signal() } else { job.complete(.failure(RedisError.closed)) }
    }

    /// A job still queued is dropped and fails with `CancellationError`; a blocking one being sent is
    /// interrupted; any other is left to finish (Redis answers it within the command timeout).
    func cancel(_ id: UInt64) {
        let queued = state.withLock { state -> Job? in
            if let index = state.jobs.firstIndex(where: { $0.id == id }) { return state.jobs.remove(at: index) }
            if let blocking = state.blocking, blocking.id == id { _ = Glibc.shutdown(blocking.socket, Int32(SHUT_RDWR)) }
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
            let (batch, stopped) = state.withLock { state -> ([Job], Bool) in
                var count = 0, size = 0
                while count < state.jobs.count, count == 0 || size + state.jobs[count].commands.count <= maxBatch {
                    size += state.jobs[count].commands.count
                    count += 1
                }
                defer { state.jobs.removeFirst(count) }
                return (Array(state.jobs.prefix(count)), state.stopped)
            }
            if batch.isEmpty {
                if stopped { break }
                ready.wait()
                continue
            }
            send(batch)
        }
        connection.disconnect()
    }

    private func send(_ batch: [Job]) {
        let flat = batch.flatMap(\.commands)
        pipelines.add(1, ordering: .relaxed)
        commands.add(flat.count, ordering: .relaxed)
        let blocking = batch.first { $0.interruptible }
        do {
            if let blocking {
                try connection.connect()
                state.withLock { $0.blocking = (blocking.id, connection.socket) }
            }
            defer { if blocking != nil { state.withLock { $0.blocking = nil } } }
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
