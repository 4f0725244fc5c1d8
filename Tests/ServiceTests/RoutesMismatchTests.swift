import Foundation
import Testing
import TestSupport

extension RouteProcessTests {
    /// Instances announce the fingerprint of their routes every `RECONCILE_SECONDS`: the same routes written as
    /// YAML and as JSON are no mismatch; an instance with other routes makes every instance log one.
    @Suite struct RoutesMismatchTests {
        static let line = "instances run different routes files"

        @Test func instancesWithDifferentRoutesFilesEachLogTheMismatch() async throws {
            try await onThread {
                let harness = try ServiceHarness(instances: 0, agents: 1, environment: ["SHUTDOWN_DRAIN_SECONDS": "0", "RECONCILE_SECONDS": "1"])
                defer { harness.stop() }
                let yaml = try harness.writeRoutes("""
                    # sales first
                    routes:
                      - name: sales
                        match: {channel_ids: [12]}
                        division_ids: [438]
                        max_customers_per_agent: 3
                    """, named: "routes.yaml")
                let json = try harness.writeRoutes(#"""
                    {"routes": [{"division_ids": [438], "max_customers_per_agent": 3, "name": "sales",
                                 "match": {"channel_ids": [12]}}]}
                    """#, named: "routes.json")
                let other = try harness.writeRoutes(#"""
                    {"routes": [{"division_ids": [438], "max_customers_per_agent": 4, "name": "sales",
                                 "match": {"channel_ids": [12]}}]}
                    """#, named: "other.json")
                try harness.startInstance(environment: ["ROUTES_FILE": yaml])
                try harness.startInstance(environment: ["ROUTES_FILE": json])
                Thread.sleep(forTimeInterval: 2.5)
                #expect((0..<2).allSatisfy { !harness.log("instance-\($0)").contains(Self.line) },
                        "the same routes as YAML and as JSON are no mismatch")

                try harness.startInstance(environment: ["ROUTES_FILE": other])
                let logged = eventually(within: 10) { (0..<3).allSatisfy { harness.log("instance-\($0)").contains(Self.line) } }
                let each = (0..<3).map { harness.log("instance-\($0)").contains(Self.line) }
                #expect(logged, "every instance logs the mismatch within a few RECONCILE_SECONDS: \(each)")
            }
        }
    }
}
