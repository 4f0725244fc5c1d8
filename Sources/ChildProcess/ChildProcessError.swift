/// A child that could not be started.
public enum ChildProcessError: Error, Sendable, CustomStringConvertible {
    /// swift-subprocess returned without ever reporting the child as running.
    case notReported

    public var description: String { "swift-subprocess never reported the child running" }
}
