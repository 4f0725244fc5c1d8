import Foundation
import HTTPClient
import Redis
import Testing
import TestSupport

/// The service against a Redis that wants a password, and an ACL user limited to the app's keys, both given
/// through `REDIS_URL`; neither secret ever shows in the logs.
@Suite struct RedisAuthTests {
    @Test func servesThroughRequirepassAndAnACLUserWithoutLoggingEitherSecret() async throws {
        try await onThread {
            let password = "p@ss w0rd-7f3a"
            let harness = try ServiceHarness(instances: 0, agents: 2, redisArguments: ["--requirepass", password])
            defer { harness.stop() }
            let encoded = "p%40ss%20w0rd-7f3a"
            try harness.startInstance(environment: ["REDIS_URL": "redis://:\(encoded)@127.0.0.1:\(harness.redis.port)/0",
                                                    "LOG_LEVEL": "trace"])
            _ = try harness.post(harness.instanceURLs[0] + "/webhooks/allocate", json: harness.customerMessage(room: "71"))
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["71"] != nil })

            // An ACL user that may only touch the app's keys (and run scripts) serves as well.
            let admin = RedisConnection(configuration: RedisConfiguration(port: harness.redis.port, password: password))
            try admin.execute(["ACL", "SETUSER", "allocator", "on", ">w0rker-secret", "~caa:{sim-app}:*", "+@all"])
            try harness.startInstance(environment: ["REDIS_URL": "redis://allocator:w0rker-secret@127.0.0.1:\(harness.redis.port)/0",
                                                    "LOG_LEVEL": "trace"])
            _ = try harness.post(harness.instanceURLs[1] + "/webhooks/allocate", json: harness.customerMessage(room: "72"))
            #expect(try eventually(within: 5) { try harness.simulatorReport().rooms["72"] != nil })

            // A wrong password: not ready, webhooks 503, and the password is not echoed.
            try harness.startInstance(environment: ["REDIS_URL": "redis://allocator:wrong-secret@127.0.0.1:\(harness.redis.port)/0"],
                                      waitUntilReady: false)
            let refused = eventually(within: 5) {
                (try? harness.post(harness.instanceURLs[2] + "/webhooks/allocate", json: Data(#"{"room_id":"73"}"#.utf8)))?.status == 503
            }
            #expect(refused)
            for index in 0..<3 {
                let log = harness.log("instance-\(index)")
                #expect(!log.contains(password) && !log.contains(encoded) && !log.contains("w0rker-secret")
                            && !log.contains("wrong-secret"), "instance-\(index) logged a secret")
            }
        }
    }
}
