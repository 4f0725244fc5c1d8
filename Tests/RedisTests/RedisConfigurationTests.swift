import Redis
import Testing

@Suite struct RedisConfigurationTests {
    @Test func parsesEveryPart() throws {
        let config = try RedisConfiguration(url: "redis://alice:s%40cret@cache.internal:6380/3")
        #expect(config.host == "cache.internal")
        #expect(config.port == 6380)
        #expect(config.username == "alice")
        #expect(config.password == "s@cret")
        #expect(config.database == 3)
    }

    @Test func defaultsPortAndDatabaseAndAllowsPasswordOnly() throws {
        let plain = try RedisConfiguration(url: "redis://127.0.0.1")
        #expect(plain.port == 6379 && plain.database == 0 && plain.username == nil && plain.password == nil)
        let passwordOnly = try RedisConfiguration(url: "redis://:pw@localhost:7000/0")
        #expect(passwordOnly.username == nil && passwordOnly.password == "pw" && passwordOnly.port == 7000)
    }

    @Test(arguments: ["http://localhost:6379", "rediss://localhost", "redis://", "redis://h:99999/0",
                      "redis://h:6379/x", "redis://h:6379/-1", "not a url"])
    func rejectsBadURLs(url: String) {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
    }

    @Test func redactedNeverShowsThePassword() throws {
        let config = try RedisConfiguration(url: "redis://bob:topsecret@h:1/2")
        #expect(config.redacted == "redis://bob:***@h:1/2")
        #expect(!config.redacted.contains("topsecret"))
        do {
            _ = try RedisConfiguration(url: "redis://u:topsecret@h:1/zz")
            Issue.record("expected an error")
        } catch {
            #expect(!String(describing: error).contains("topsecret"))
        }
    }
}
