import AllocatorService
import Foundation
import Testing

/// `TENANTS_FILE` as `allocator serve` and the store verbs read it: the apps with the global settings for what
/// they leave out, the single-app variables refused beside it, and `--app` choosing an app of the file.
@Suite struct TenantsConfigurationTests {
    static let token = "global-admin-token-0123456789"

    /// A tenants file of two apps in a new directory, with a routes file for the first.
    static func tenantsFile() throws -> String {
        let directory = try ServiceConfigurationTests.temporaryDirectory()
        try "routes:\n  - name: sales\n    match: {channel_ids: [12]}\n    division_ids: [438]\n".write(
            to: directory.appendingPathComponent("a-routes.yaml"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("tenants.yaml").path
        try """
            apps:
              - app_id: shop-a
                secret_key: key-a
                routes_file: a-routes.yaml
                max_customers_per_agent: 3
                admin_token: shop-a-admin-token-0123
              - app_id: shop-b
                secret_key: key-b
                base_url: https://b.example.com
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyAppTakesTheGlobalSettingsItLeavesOut() async throws {
        let c = try await ServiceConfiguration.load(environment: [
            "TENANTS_FILE": try Self.tenantsFile(), "MAX_CUSTOMERS_PER_AGENT": "5", "WEBHOOK_SECRET": "hook",
            "QISCUS_BASE_URL": "https://global.example.com", "ADMIN_TOKEN": Self.token,
        ], dotEnv: nil)
        #expect(c.tenantsFile != nil && c.apps.map(\.appID) == ["shop-a", "shop-b"])
        let (a, b) = (c.apps[0], c.apps[1])
        #expect(a.maxCustomersPerAgent == 3 && b.maxCustomersPerAgent == 5)
        #expect(a.baseURL == "https://global.example.com" && b.baseURL == "https://b.example.com")
        #expect(a.webhookSecret == "hook" && b.webhookSecret == "hook")
        #expect(a.routes.names == ["sales", "default"] && b.routes.names == ["default"])
        #expect(a.adminToken == "shop-a-admin-token-0123" && b.adminToken == nil, "the global token is not copied into apps")
        #expect(c.workerSettings(for: a).limit == 3 && c.workerSettings(for: b).routes.map(\.name) == ["default"])
    }

    @Test func withoutATenantsFileTheSingleAppIsTheOnlyApp() async throws {
        let c = try await ServiceConfigurationTests.load(["MAX_CUSTOMERS_PER_AGENT": "4", "WEBHOOK_SECRET": "hook"])
        #expect(c.tenantsFile == nil)
        #expect(c.apps == [AppConfiguration(appID: "demo-app", secretKey: ServiceConfigurationTests.secret,
                                             webhookSecret: "hook", maxCustomersPerAgent: 4)])
    }

    @Test(arguments: ["QISCUS_APP_ID", "QISCUS_SECRET_KEY", "ROUTES_FILE"])
    func aSingleAppVariableBesideTheTenantsFileIsRefused(variable: String) async throws {
        let error = await ServiceConfigurationTests.configurationError(["TENANTS_FILE": try Self.tenantsFile(), variable: "x.yaml"])
        #expect(error?.variable == variable && error?.problem.contains("TENANTS_FILE") == true, "\(String(describing: error))")
        let store = await configurationError {
            _ = try await StoreConfiguration.load(environment: ["TENANTS_FILE": try Self.tenantsFile(), variable: "x.yaml"], dotEnv: nil)
        }
        #expect(store?.variable == variable)
    }

    @Test func aBadTenantsFileIsOneLineNamingTheFileTheAppAndTheField() async throws {
        let path = try Self.tenantsFile()
        try "apps: [{app_id: a, secret_key: k, max_customers_per_agent: 0}]".write(toFile: path, atomically: true, encoding: .utf8)
        let error = await ServiceConfigurationTests.configurationError(["TENANTS_FILE": path])
        #expect(error?.description == "configuration error: TENANTS_FILE \(path): app \"a\": max_customers_per_agent must be a whole number in 1...10000")
        let missing = await ServiceConfigurationTests.configurationError(["TENANTS_FILE": path + ".none"])
        #expect(missing?.variable == "TENANTS_FILE" && missing?.problem.contains("can not be read") == true)
    }

    @Test func theStoreVerbsChooseAnAppOfTheFileWithApp() async throws {
        let environment = ["TENANTS_FILE": try Self.tenantsFile(), "MAX_CUSTOMERS_PER_AGENT": "5"]
        let a = try await StoreConfiguration.load(environment: environment, app: "shop-a", dotEnv: nil)
        #expect(a.qiscusAppID == "shop-a" && a.routes.names == ["sales", "default"] && a.maxCustomersPerAgent == 3)
        let b = try await StoreConfiguration.load(environment: environment, app: "shop-b", dotEnv: nil)
        #expect(b.qiscusAppID == "shop-b" && b.routes.names == ["default"] && b.maxCustomersPerAgent == 5)
        let none = await configurationError { _ = try await StoreConfiguration.load(environment: environment, dotEnv: nil) }
        #expect(none?.problem.contains("choose one with --app (shop-a, shop-b)") == true, "\(String(describing: none))")
        let unknown = await configurationError {
            _ = try await StoreConfiguration.load(environment: environment, app: "shop-z", dotEnv: nil)
        }
        #expect(unknown?.problem.contains("has no app \"shop-z\"") == true)
        let single = try await StoreConfiguration.load(environment: ["QISCUS_APP_ID": "env-app"], app: "flag-app", dotEnv: nil)
        #expect(single.qiscusAppID == "flag-app", "--app overrides QISCUS_APP_ID without a tenants file")
    }
}

extension TenantsConfigurationTests {
    @Test func serveAppChoosesAppsOfTheFileOrTheSingleAppsID() async throws {
        let environment = ["TENANTS_FILE": try Self.tenantsFile()]
        let b = try await ServiceConfiguration.load(environment: environment, dotEnv: nil, apps: ["shop-b"])
        #expect(b.apps.map(\.appID) == ["shop-b"])
        let unknown = await configurationError {
            _ = try await ServiceConfiguration.load(environment: environment, dotEnv: nil, apps: ["shop-a", "shop-z"])
        }
        #expect(unknown?.problem.contains("has no app \"shop-z\"") == true)
        let single = try await ServiceConfiguration.load(environment: ["QISCUS_SECRET_KEY": "s"], dotEnv: nil, apps: ["flag-app"])
        #expect(single.qiscusAppID == "flag-app" && single.apps.map(\.appID) == ["flag-app"])
        let two = await configurationError {
            _ = try await ServiceConfiguration.load(environment: ["QISCUS_SECRET_KEY": "s"], dotEnv: nil, apps: ["a", "b"])
        }
        #expect(two?.variable == "TENANTS_FILE")
        let bad = await configurationError {
            _ = try await ServiceConfiguration.load(environment: ["QISCUS_SECRET_KEY": "s"], dotEnv: nil, apps: ["a{b}"])
        }
        #expect(bad?.variable == "--app", "an id that would break the hash tag is refused as QISCUS_APP_ID is")
        let store = await configurationError { _ = try await StoreConfiguration.load(environment: [:], app: "a b", dotEnv: nil) }
        #expect(store?.variable == "--app")
    }
}
