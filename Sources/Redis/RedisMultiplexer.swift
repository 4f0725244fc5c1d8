import Dispatch
import Foundation
import Synchronization

/// One Redis connection shared by any number of tasks. Commands queue up; one I/O thread writes whatever is
/// queued as one pipeline and hands each reply back to its caller. Callers suspend instead of blocking a
/// thread, and concurrent callers share round trips. Not for blocking commands such as `BLPOP`: they would
/// hold up every caller behind them.
///
/// A broken connection fails the commands of the batch in flight (some may have run, as with any lost
/// reply) and reconnects for the next batch.
public final class RedisMultiplexer: Sendable {
    public let configuration: RedisConfiguration
    private let core: Core

    /// - Parameter maxBatch: the most commands written in one pipeline.
    public init(configuration: RedisConfiguration, maxBatch: Int = 256) {
        self.configuration = configuration
        core = Core(connection: RedisConnection(configuration: configuration), maxBatch: max(1, maxBatch))
        let thread = Thread { [core] in core.run() }
        thread.name = "redis-mux"
        thread.start()
    }

    deinit { core.stop() }

    /// Runs one command. An error *reply* is returned as `.error`, not thrown.
    public func send(_ arguments: [String]) async throws -> RedisReply {
        try await withCheckedThrowingContinuation { continuation in
            core.submit(Core.Job(arguments: arguments, continuation: continuation))
        }
    }

    /// Runs one command and throws `RedisError.server` for an error reply.
    @discardableResult
    public func execute(_ arguments: [String]) async throws -> RedisReply {
        let reply = try await send(arguments)
        if case .error(let message) = reply { throw RedisError.server(message) }
        return reply
    }

    /// Pipelines written so far and the commands in them (to see how well calls share round trips).
    public var statistics: (pipelines: Int, commands: Int) {
        (core.pipelines.load(ordering: .relaxed), core.commands.load(ordering: .relaxed))
    }

    /// The queue and the I/O thread; the connection belongs to the thread alone.
    final class Core: @unchecked Sendable {
        struct Job: Sendable {
            let arguments: [String]
            let continuation: CheckedContinuation<RedisReply, any Error>
        }

        private let connection: RedisConnection
        private let maxBatch: Int
        private let queue = Mutex<(jobs: [Job], stopped: Bool)>(([], false))
        private let ready = DispatchSemaphore(value: 0)
        let pipelines = Atomic<Int>(0)
        let commands = Atomic<Int>(0)

        init(connection: RedisConnection, maxBatch: Int) {
            self.connection = connection
            self.maxBatch = maxBatch
        }

        func submit(_ job: Job) {
            let accepted = queue.withLock { state -> Bool in
                if state.stopped { return false }
                state.jobs.append(job)
                return true
            }
            if accepted {
                ready.signal()
            } else {
                job.continuation.resume(throwing: RedisError.io("Redis multiplexer closed"))
            }
        }

        func stop() {
            queue.withLock { $0.stopped = true }
            ready.signal()
        }

        func run() {
            while true {
                let (batch, stopped) = queue.withLock { state -> ([Job], Bool) in
                    let count = min(maxBatch, state.jobs.count)
                    defer { state.jobs.removeFirst(count) }
                    return (Array(state.jobs.prefix(count)), state.stopped)
                }
                if batch.isEmpty {
                    if stopped { break }
                    ready.wait()
                    continue
                }
                pipelines.add(1, ordering: .relaxed)
                commands.add(batch.count, ordering: .relaxed)
                do {
                    let replies = try connection.pipeline(batch.map(\.arguments))
                    for (job, reply) in zip(batch, replies) { job.continuation.resume(returning: reply) }
                } catch {
                    for job in batch { job.continuation.resume(throwing: error) }
                }
            }
            connection.disconnect()
        }
    }
}
