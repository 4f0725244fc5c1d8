import Foundation
import HTTPClient
import Synchronization
import TestSupport

/// Allocation webhooks for new rooms, one after another from a thread of its own, each answer recorded with
/// the moment it came: the steady traffic that shutdown and Redis-outage tests run under.
final class WebhookBurst: Sendable {
    struct Answer: Sendable {
        let room: String
        /// The HTTP status, or nil when the request got no answer (the port closed).
        let status: Int?
        let at: Date
    }

    private let answers = Mutex<[Answer]>([])
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)

    /// Starts sending `count` webhooks to `url` (rooms `firstRoom + 1`...), `pause` seconds apart.
    init(_ harness: ServiceHarness, to url: String, firstRoom: Int, count: Int, pause: Double) {
        Thread { [self] in
            let client = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 2))
            for index in 1...count where !stopping.load(ordering: .relaxed) {
                let room = String(firstRoom + index)
                let status = try? harness.post(url + "/webhooks/allocate",
                                               json: harness.customerMessage(room: room, client: client), client: client).status
                answers.withLock { $0.append(Answer(room: room, status: status, at: Date())) }
                Thread.sleep(forTimeInterval: pause)
            }
            finished.store(true, ordering: .relaxed)
        }.start()
    }

    /// Every answer so far, in order.
    var all: [Answer] { answers.withLock { $0 } }

    /// The rooms answered 200.
    var accepted: [String] { all.filter { $0.status == 200 }.map(\.room) }

    /// Stops after the webhook in flight and waits for the thread to end.
    func stopAndWait() {
        stopping.store(true, ordering: .relaxed)
        waitUntilFinished()
    }

    /// Waits until every webhook was sent.
    func waitUntilFinished() {
        while !finished.load(ordering: .relaxed) { Thread.sleep(forTimeInterval: 0.01) }
    }
}
