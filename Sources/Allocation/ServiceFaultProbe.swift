import Logging
import ServiceLifecycle
import ServiceThread

/// Checks at start-up that Qiscus takes the credentials (saying plainly when it does not), and while allocation
/// is paused by a service fault, asks Qiscus every `interval` and resumes allocation once it answers. Logs a
/// reminder at most once a minute while paused (`caa_allocation_paused`, kept by the gate, is 1 meanwhile).
public struct ServiceFaultProbe: Service, Sendable {
    let gateway: any AgentGateway
    let gate: AllocationGate
    let interval: Duration
    let logger: Logger

    public init(gateway: any AgentGateway, gate: AllocationGate, interval: Duration = .seconds(5), logger: Logger) {
        self.gateway = gateway
        self.gate = gate
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await runUntilGracefulShutdown { try await watch() }
    }

    private func watch() async throws {
        await check(atStart: true)
        let clock = ContinuousClock()
        var lastReminder = clock.now
        while true {
            try await Task.sleep(for: interval)
            guard case .paused(let reason) = gate.state else { continue }
            await check(atStart: false)
            if gate.isPaused, clock.now - lastReminder >= .seconds(60) {
                logger.warning("allocation still paused; webhooks are stored and rooms keep their place",
                               metadata: ["reason": "\(reason)"])
                lastReminder = clock.now
            }
        }
    }

    /// One probe call: a service fault pauses allocation, any other answer (even a refusal of the call) resumes it.
    public func check(atStart: Bool) async {
        do {
            try await gateway.probe()
            resume(atStart: atStart)
        } catch let failure as GatewayFailure where failure.isServiceFault {
            if Task.isCancelled { return } // the service is stopping: the client closed, Qiscus said nothing
            if gate.pause(reason: "probe: \(failure.description)") {
                logger.error(atStart ? "Qiscus does not take the configured credentials or can not be reached; allocation is paused until it does (webhooks are still stored; no restart needed once the key is fixed)"
                                     : "Qiscus fault about the service; allocation paused",
                             metadata: ["reason": "\(failure.description)"])
            }
        } catch {
            resume(atStart: atStart)
        }
    }

    private func resume(atStart: Bool) {
        if gate.resume() {
            logger.notice("Qiscus answers again; allocation resumed")
        } else if atStart {
            logger.info("Qiscus takes the credentials")
        }
    }
}
