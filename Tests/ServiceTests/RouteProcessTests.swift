import Testing

/// The end-to-end suites of routes: each runs real `allocator serve` processes, a simulator and a
/// redis-server. They run one after another (nested suites of this one), so together they add one such stack
/// to the load of the whole suite, not five, and the timing checks of the other suites keep their margins on
/// 2 cores.
@Suite(.serialized) struct RouteProcessTests {}
