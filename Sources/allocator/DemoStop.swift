import Synchronization

/// Set once to end the demo's play (by Enter, SIGINT or SIGTERM), read by the play's thread.
final class DemoStop: Sendable {
    private let flag = Atomic<Bool>(false)

    func set() { flag.store(true, ordering: .relaxed) }

    var isSet: Bool { flag.load(ordering: .relaxed) }
}
