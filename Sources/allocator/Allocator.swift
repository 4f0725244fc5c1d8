import ArgumentParser

/// The `allocator` command: one binary for every verb of the service.
@main
struct Allocator: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocator",
        abstract: "Custom agent allocation for Qiscus Omnichannel.",
        subcommands: [Serve.self, Simulate.self, Demo.self, Status.self, Agents.self, Queue.self, RequeueDead.self, Soak.self,
                      Bench.self]
    )
}
