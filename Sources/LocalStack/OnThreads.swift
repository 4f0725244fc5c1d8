import Foundation

/// Runs `body(index)` for each index below `count`, each on a thread of its own, all at once, and returns when
/// every one has returned: the load generators of `allocator bench` and of the end-to-end tests (each sender a
/// thread with its own blocking client).
public func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for index in 0..<count {
        group.enter()
        Thread {
            body(index)
            group.leave()
        }.start()
    }
    group.wait()
}
