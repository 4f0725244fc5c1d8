import Foundation
import Redis
import Synchronization
import TestSupport

/// Reads the service's per-agent loads (the `load` hash: rooms reserved and assigned, over every route) from
/// Redis every few milliseconds on a thread of its own, keeping the highest value each agent ever had.
final class LoadSampler: Sendable {
    private let highest = Mutex<[Int: Int]>([:])
    private let samples = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    init(_ harness: ServiceHarness, every interval: Double = 0.005) {
        let connection = harness.redis.connect()
        Thread { [self] in
            while !stopping.load(ordering: .relaxed) {
                if let flat = try? connection.send(["HGETALL", ServiceHarness.key("load")]).array?.compactMap(\.string) {
                    highest.withLock { highest in
                        for index in stride(from: 0, to: flat.count - 1, by: 2) {
                            guard let agent = Int(flat[index]), let load = Int(flat[index + 1]) else { continue }
                            highest[agent] = max(highest[agent] ?? 0, load)
                        }
                    }
                    samples.add(1, ordering: .relaxed)
                }
                Thread.sleep(forTimeInterval: interval)
            }
            connection.disconnect()
            finished.store(true, ordering: .relaxed)
        }.start()
    }

    /// Agent id -> the highest load read so far.
    var maxima: [Int: Int] { highest.withLock { $0 } }

    /// How many times the loads were read.
    var sampleCount: Int { samples.load(ordering: .relaxed) }

    /// Stops sampling and waits for the thread to end.
    func stop() {
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.005) }
    }
}
