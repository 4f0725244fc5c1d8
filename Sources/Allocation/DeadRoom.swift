/// A room given up for good (in the dead list) and why.
public struct DeadRoom: Sendable, Equatable {
    public let room: String
    public let reason: String

    public init(room: String, reason: String) {
        self.room = room
        self.reason = reason
    }
}
