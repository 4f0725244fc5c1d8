/// One minute of a route's ring (`lua/lib/stats.lua`, written by `commit.lua`): the rooms served in it and
/// how long they had waited, for charts of the last hour that every instance draws alike.
public struct RouteMinute: Sendable, Equatable, Codable {
    /// Upper bounds of the wait buckets in ms, as `WAIT_BOUNDS` in `lua/lib/stats.lua`; one more bucket counts
    /// longer waits.
    public static let waitBounds = [1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000]

    /// Minutes since the epoch, by the Redis clock.
    public let minute: Int
    /// Rooms served (committed) in the minute.
    public let served: Int
    /// Rooms per wait bucket (``waitBounds`` and one more); rooms whose wait was unknown are in no bucket.
    public let waits: [Int]

    public init(minute: Int, served: Int = 0, waits: [Int] = Array(repeating: 0, count: RouteMinute.waitBounds.count + 1)) {
        self.minute = minute
        self.served = served
        self.waits = waits
    }

    /// The minutes added up into one (rooms served and waits of the whole span), at the last minute.
    public static func total(_ minutes: [RouteMinute]) -> RouteMinute {
        var waits = Array(repeating: 0, count: waitBounds.count + 1)
        for minute in minutes {
            for (index, count) in minute.waits.enumerated() where index < waits.count { waits[index] += count }
        }
        return RouteMinute(minute: minutes.last?.minute ?? 0, served: minutes.map(\.served).reduce(0, +), waits: waits)
    }

    /// The bucket bound (ms) under which at least `fraction` of the rooms with a known wait were served: p50 is
    /// `waitAtMost(0.5)`. Nil without known waits, or when the share falls beyond the last bound.
    public func waitAtMost(_ fraction: Double) -> Int? {
        let known = waits.reduce(0, +)
        guard known > 0 else { return nil }
        var counted = 0
        for (index, count) in waits.enumerated() {
            counted += count
            if Double(counted) >= fraction * Double(known) { return index < Self.waitBounds.count ? Self.waitBounds[index] : nil }
        }
        return nil
    }
}
