import Foundation
import HTTPClient
import Synchronization
import TestSupport

/// Asks every instance of a stack for `/readyz` every 50 ms on a thread of its own, keeping each answer's
/// answer (status 0: no answer within a second).
final class ReadinessWatch: Sendable {
    struct Answer: Sendable {
        let status: Int
        let body: String
        let at: Date
    }

    private let answers = Mutex<[Answer]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    init(_ harness: ServiceHarness) {
        Thread { [self] in
            let client = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 1))
            while !stopping.load(ordering: .relaxed) {
                for url in harness.instanceURLs {
                    let sent = Date()
                    let response = try? harness.get(url + "/readyz", client: client)
                    answers.withLock { $0.append(Answer(status: response?.status ?? 0, body: response?.text ?? "", at: sent)) }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
            finished.store(true, ordering: .relaxed)
        }.start()
    }

    /// Stops asking and answers every answer, in order.
    func stop() -> [Answer] {
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.005) }
        return answers.withLock { $0 }
    }
}
