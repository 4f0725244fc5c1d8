import Foundation
import HTTPClient
import Synchronization
import TestSupport

/// Webhooks of every app of a multi-app stack, posted from threads of their own while a test breaks the Redis
/// under them: senders post allocation webhooks of new rooms (each app in turn, instances alternating, every
/// fifth room twice, to the other instance), a resolver resolves assigned rooms in their simulators and posts
/// the resolve webhooks. Every post is recorded with its status and latency. A room whose webhook was not
/// answered 200 is posted again later, as Qiscus would on the customer's next message.
final class TenantTraffic: Sendable {
    /// One webhook posted.
    struct Post: Sendable {
        let app: String
        let room: String
        /// `allocate` or `resolve`.
        let kind: String
        /// The HTTP status; 0 when no answer came within the client's timeout (a hang).
        let status: Int
        /// Seconds from the post to its answer.
        let seconds: Double
        /// When it was sent.
        let at: Date
    }

    private let harness: ServiceHarness
    private let apps: [String]
    private let firstRoom: Int
    private let records = Mutex<[Post]>([])
    /// Rooms whose allocation webhook still waits for a 200, per app.
    private let unanswered = Mutex<[String: [String]]>([:])
    private let nextRoom = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Int>(0)

    /// Starts `senders` sender threads and a resolver (`resolves` rooms of one app at a time); rooms are numbered
    /// from `firstRoom + 1`. Each sender pauses `pause` seconds between posts.
    init(_ harness: ServiceHarness, apps: [String], firstRoom: Int, senders: Int = 3, pause: Double = 0.03, resolves: Int = 4) {
        self.harness = harness
        self.apps = apps
        self.firstRoom = firstRoom
        for _ in 0..<senders { spawn { [self] in send(pause: pause) } }
        spawn { [self] in resolve(resolves) }
    }

    private func spawn(_ body: @escaping @Sendable () -> Void) {
        running.add(1, ordering: .relaxed)
        Thread { [self] in
            body()
            running.subtract(1, ordering: .relaxed)
        }.start()
    }

    /// A client that waits long enough to tell a slow answer from none (a hang).
    static func client() -> HTTPClient { HTTPClient(configuration: .init(connectTimeout: 1, totalTimeout: 10)) }

    private func send(pause: Double) {
        let client = Self.client()
        while !stopping.load(ordering: .relaxed) {
            let number = nextRoom.add(1, ordering: .relaxed).newValue
            let app = apps[number % apps.count]
            let room = unanswered.withLock { $0[app]?.isEmpty == false ? $0[app]?.removeFirst() : nil }
                ?? String(firstRoom + number)
            let copies = number % 5 == 0 ? 2 : 1
            for copy in 0..<copies {
                guard let status = allocate(app: app, room: room, instance: number + copy, client: client) else { break }
                if status != 200 { unanswered.withLock { $0[app, default: []].append(room) } }
            }
            Thread.sleep(forTimeInterval: pause)
        }
    }

    /// Posts `room`'s allocation webhook to instance `instance % count`; its status (0: no answer), nil when the
    /// simulator gave no body.
    @discardableResult
    func allocate(app: String, room: String, instance: Int, client: HTTPClient) -> Int? {
        guard let body = try? harness.customerMessage(app: app, room: room, client: client) else { return nil }
        let url = harness.instanceURLs[instance % harness.instanceURLs.count] + "/webhooks/\(app)/allocate"
        return post(app: app, room: room, kind: "allocate", url: url, body: body, client: client)
    }

    private func post(app: String, room: String, kind: String, url: String, body: Data, client: HTTPClient) -> Int {
        let sent = Date()
        let status = (try? harness.post(url, json: body, client: client).status) ?? 0
        records.withLock { $0.append(Post(app: app, room: room, kind: kind, status: status,
                                           seconds: Date().timeIntervalSince(sent), at: sent)) }
        return status
    }

    /// Resolves up to `resolves` of an app's assigned rooms, each app in turn, 20 ms apart.
    private func resolve(_ resolves: Int) {
        let client = Self.client()
        var turn = 0
        while !stopping.load(ordering: .relaxed) {
            turn += 1
            let app = apps[turn % apps.count]
            let rooms = (try? harness.simulatorReport(app: app, client: client))?.rooms.keys.shuffled().prefix(resolves) ?? []
            for room in rooms {
                guard let body = try? harness.resolveInSimulator(app: app, room: room, client: client) else { continue }
                let url = harness.instanceURLs[turn % harness.instanceURLs.count] + "/webhooks/\(app)/resolve"
                _ = post(app: app, room: room, kind: "resolve", url: url, body: body, client: client)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Stops the threads and waits for them; then posts again every room still without a 200, until each has one
    /// (or `within` seconds pass).
    func stop(retryingWithin seconds: Double = 20) {
        stopping.store(true, ordering: .relaxed)
        while running.load(ordering: .relaxed) > 0 { Thread.sleep(forTimeInterval: 0.01) }
        let client = Self.client()
        let deadline = Date().addingTimeInterval(seconds)
        var pending = unanswered.withLock { unanswered in
            defer { unanswered = [:] }
            return unanswered.flatMap { app, rooms in rooms.map { (app, $0) } }
        }
        var turn = 0
        while !pending.isEmpty, Date() < deadline {
            let (app, room) = pending.removeFirst()
            turn += 1
            if allocate(app: app, room: room, instance: turn, client: client) != 200 {
                pending.append((app, room))
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Every post so far, in the order they were answered.
    var posts: [Post] { records.withLock { $0 } }

    /// The rooms of `app` whose allocation webhook was answered 200 at least once.
    func accepted(app: String) -> Set<String> {
        Set(posts.filter { $0.app == app && $0.kind == "allocate" && $0.status == 200 }.map(\.room))
    }

    /// The rooms of `app` whose allocation webhook was answered 200 sent at or after `date`.
    func accepted(app: String, since date: Date) -> Set<String> {
        Set(posts.filter { $0.app == app && $0.kind == "allocate" && $0.status == 200 && $0.at >= date }.map(\.room))
    }

    /// The posts that broke the rules: an answer other than 200 or 503, none at all, or a 200 slower than
    /// `limit` seconds.
    func faults(slowerThan limit: Double = 2) -> [Post] {
        posts.filter { ($0.status != 200 && $0.status != 503) || ($0.status == 200 && $0.seconds > limit) }
    }

    /// A one-line account: posts per status, the slowest 200 and the slowest answer.
    var summary: String {
        let posts = posts
        let statuses = Dictionary(grouping: posts, by: \.status).mapValues(\.count).sorted { $0.key < $1.key }
        let slowest200 = posts.filter { $0.status == 200 }.map(\.seconds).max() ?? 0
        let slowest = posts.map(\.seconds).max() ?? 0
        return "\(posts.count) posts, statuses \(statuses.map { "\($0.key): \($0.value)" }.joined(separator: ", ")), "
            + "slowest 200 \(String(format: "%.3f", slowest200)) s, slowest answer \(String(format: "%.3f", slowest)) s"
    }
}
