import Synchronization

/// The ``AgentView`` of every route of an instance, shared by all its allocation tasks, and the runner of their
/// background refreshes (``runRefreshes()``, run by the ``AllocationPool``; without it a view is only listed
/// when a room finds it past its max age).
public final class AgentViews: Sendable {
    /// The most candidates one reservation is offered: a route with more online agents is offered to
    /// `reserve.lua` in windows of the agents estimated least loaded, the next window only when one is full
    /// (``AgentListing/window(size:excluding:strategy:limit:)``), so Redis does bounded work per call however
    /// many agents the route has.
    public static let windowSize = 64

    /// `AGENT_VIEW_MAX_AGE_MS`; zero lists for every room.
    public let maxAge: Duration
    let gateway: any AgentGateway
    private let views: Mutex<[String: AgentView]>
    private let requests: AsyncStream<AgentView>
    private let asks: AsyncStream<AgentView>.Continuation

    public init(gateway: any AgentGateway, maxAgeMilliseconds: Int) {
        self.gateway = gateway
        maxAge = .milliseconds(max(0, maxAgeMilliseconds))
        views = Mutex([:])
        (requests, asks) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
    }

    /// The view of a route (made on first use).
    public func view(of route: String) -> AgentView {
        views.withLock { views in
            if let view = views[route] { return view }
            let asks = asks
            let view = AgentView(route: route, maxAge: maxAge, gateway: gateway) { asks.yield($0) }
            views[route] = view
            return view
        }
    }

    /// Runs the background refreshes the views ask for, each route's one at a time, until cancelled.
    func runRefreshes() async {
        await withDiscardingTaskGroup { group in
            for await view in requests {
                group.addTask { await view.refreshInBackground() }
            }
        }
    }

    /// Ends ``runRefreshes()`` once the refreshes under way finish.
    func finish() { asks.finish() }
}
