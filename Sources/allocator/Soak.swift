import ArgumentParser
import Foundation
import HTTPClient
import LocalStack
import QiscusSimulator
import Synchronization

/// `allocator soak` (`make soak`): two instances under steady load with resolves for several minutes, one
/// of them killed with SIGKILL and restarted every `--kill-every` seconds. Prints the invariant checks and
/// exits non-zero on any violation.
struct Soak: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Long reliability run: load, resolves and kill -9 of an instance every minute; checks the invariants.")

    @Option(help: "Minutes of load.") var minutes = 5.0
    @Option(help: "New customers per second.") var rate = 20.0
    @Option(help: "Simulated agents.") var agents = 20
    @Option(help: "Rooms one agent may hold.") var limit = 2
    @Option(help: "Seconds between kills of an instance.") var killEvery = 60.0

    func run() throws {
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let stack = try LocalStack(
            allocator: binary, instances: 2, agents: agents, simulatorArguments: ["--count-lag-ms", "1000"],
            environment: ["LEASE_SECONDS": "6", "QISCUS_TIMEOUT_SECONDS": "2", "RECONCILE_SECONDS": "2",
                          "MAX_CUSTOMERS_PER_AGENT": String(limit), "LOG_LEVEL": "notice"],
            redisArguments: ["--appendonly", "yes", "--appendfsync", "everysec"])
        defer { stack.stop() }
        print("soak: \(minutes) min, \(rate) customers/s, \(agents) agents of \(limit), kill -9 every \(Int(killEvery)) s; logs in \(stack.directory.path)")

        let state = SoakState(live: [0, 1])
        let stop = Atomic<Bool>(false)
        let threads = [
            Thread { Self.sendCustomers(stack, state: state, rate: rate, stop: stop) },
            Thread { Self.resolveRooms(stack, state: state, stop: stop) },
        ]
        threads.forEach { $0.start() }

        let start = Date()
        var nextKill = killEvery
        var victim = 0
        while Date().timeIntervalSince(start) < minutes * 60 {
            Thread.sleep(forTimeInterval: 1)
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= nextKill {
                nextKill += killEvery
                let index = state.live.withLock { live in live.remove(at: victim % live.count) }
                stack.instance(index).signal(SIGKILL)
                let code = stack.instance(index).wait()
                let replacement = try stack.startInstance()
                state.live.withLock { $0.append(replacement) }
                victim += 1
                print(String(format: "t=%3.0fs  killed instance %d (exit %d), started instance %d", elapsed, index, code, replacement))
            }
            if Int(elapsed) % 10 == 0, let report = try? stack.simulatorReport() {
                print(String(format: "t=%3.0fs  accepted %5d  assigned %5d  open %3d  max load %d  conflicts %d",
                             elapsed, state.accepted.withLock { $0.count }, report.assigns.count, report.rooms.count,
                             report.maxLoads.values.max() ?? 0, report.conflicts))
            }
        }
        stop.store(true, ordering: .relaxed)
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.05) }

        // Drain: agents finish every conversation until every accepted room has been served.
        let accepted = Set(state.accepted.withLock { $0 })
        let deadline = Date().addingTimeInterval(90)
        var report = try stack.simulatorReport()
        while Date() < deadline {
            report = try stack.simulatorReport()
            let served = Set(report.assigns.map(\.room))
            if served.isSuperset(of: accepted) { break }
            for room in report.rooms.keys { Self.resolve(stack, room: room, state: state, client: HTTPClient()) }
            Thread.sleep(forTimeInterval: 0.5)
        }
        let served = Set(report.assigns.map(\.room))
        let lost = accepted.subtracting(served).count
        let perSession = Dictionary(grouping: report.assigns) { "\($0.room)/\($0.service)" }
        let doubles = perSession.values.filter { $0.count > 1 }.count + report.conflicts
        let aboveLimit = report.assigns.filter { $0.loadAfter > limit }.count
        print("""

            soak result after \(String(format: "%.1f", Date().timeIntervalSince(start))) s
              webhooks answered 200   \(accepted.count) rooms (\(state.unavailable.load(ordering: .relaxed)) answers 503 while an instance was down)
              lost rooms              \(lost)
              double assignments      \(doubles)
              moments above the limit \(aboveLimit) (highest load \(report.maxLoads.values.max() ?? 0), limit \(limit))
            """)
        if lost > 0 || doubles > 0 || aboveLimit > 0 {
            print("FAILED: an invariant was violated")
            throw ExitCode(1)
        }
        print("OK: 0 lost rooms, 0 double assignments, 0 moments above the limit")
    }

    /// Customers write at `rate` per second; each message is sent one to three times to live instances.
    static func sendCustomers(_ stack: LocalStack, state: SoakState, rate: Double, stop: borrowing Atomic<Bool>) {
        let client = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 2))
        var next = 1
        let start = Date()
        while !stop.load(ordering: .relaxed) {
            let due = Int(Date().timeIntervalSince(start) * rate)
            while next <= due {
                let room = String(80_000_000 + next)
                next += 1
                guard let body = try? stack.customerMessage(room: room, client: client) else { continue }
                for _ in 0..<Int.random(in: 1...3) {
                    let live = state.live.withLock { $0 }
                    guard let index = live.randomElement() else { continue }
                    let response = try? stack.post(stack.instanceURLs[index] + "/webhooks/allocate", json: body, client: client)
                    if response?.status == 200 {
                        state.accepted.withLock { if $0.last != room { $0.append(room) } }
                    } else {
                        state.unavailable.add(1, ordering: .relaxed)
                    }
                }
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// Agents resolve each room 1-4 s after they got it.
    static func resolveRooms(_ stack: LocalStack, state: SoakState, stop: borrowing Atomic<Bool>) {
        let client = HTTPClient(configuration: .init(connectTimeout: 0.5, totalTimeout: 2))
        var seen: [String: Date] = [:]
        while !stop.load(ordering: .relaxed) {
            if let report = try? stack.simulatorReport(client: client) {
                let now = Date()
                for room in report.rooms.keys where seen[room] == nil { seen[room] = now.addingTimeInterval(Double.random(in: 1...4)) }
                for (room, due) in seen where due <= now {
                    seen[room] = nil
                    resolve(stack, room: room, state: state, client: client)
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
    }

    /// Resolves the room in the simulator and sends the resolve webhook to a live instance (retrying others).
    static func resolve(_ stack: LocalStack, room: String, state: SoakState, client: HTTPClient) {
        guard let body = try? stack.resolveInSimulator(room: room, client: client) else { return }
        for index in state.live.withLock({ $0 }).shuffled() {
            if (try? stack.post(stack.instanceURLs[index] + "/webhooks/resolve", json: body, client: client))?.status == 200 {
                return
            }
        }
    }
}

/// What the soak threads share.
final class SoakState: Sendable {
    /// Indexes of the instances that are running.
    let live: Mutex<[Int]>
    /// Rooms whose webhook was answered 200, in order.
    let accepted = Mutex<[String]>([])
    let unavailable = Atomic<Int>(0)

    init(live: [Int]) { self.live = Mutex(live) }
}
