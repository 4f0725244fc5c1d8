import Foundation

/// Polls `condition` every 50 ms for up to `seconds`; returns whether it became true. For blocking test code
/// (on a thread of its own); in async code the overload below is chosen, which holds no thread.
@_disfavoredOverload
public func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return try condition()
}

/// ``eventually(within:_:)`` for async tests: polls every 5 ms with `Task.sleep`, so no thread waits.
@discardableResult
public func eventually(within seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return try await condition()
}
