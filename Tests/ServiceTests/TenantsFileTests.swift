@testable import AllocatorService
import Foundation
import Routing
import Testing

/// `TENANTS_FILE` decoding and checks: every field by the rule of the variable it stands for, routes files
/// relative to the tenants file, one line naming the file, the app and the field for each refusal.
@Suite struct TenantsFileTests {
    static let token = "tenant-admin-token-0123"

    func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tenants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    func decode(_ text: String, format: RouteFileFormat = .yaml, in directory: URL? = nil) throws(TenantsFileError) -> [AppConfiguration] {
        try TenantsFile.decode(Data(text.utf8), format: format, fileName: "tenants.yaml",
                               directory: directory ?? FileManager.default.temporaryDirectory)
    }

    func refusal(_ text: String, format: RouteFileFormat = .yaml) -> String? {
        do {
            _ = try decode(text, format: format)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func everyFieldIsReadAndRoutesFilesAreRelativeToTheTenantsFile() throws {
        let directory = try directory()
        try "routes:\n  - name: sales\n    match: {channel_ids: [12]}\n    division_ids: [438]\n"
            .write(to: directory.appendingPathComponent("shop-a-routes.yaml"), atomically: true, encoding: .utf8)
        let apps = try decode("""
            apps:
              - app_id: shop-a
                secret_key: key-a
                webhook_secret: hook-a
                base_url: https://qiscus.example.com
                max_customers_per_agent: 3
                routes_file: shop-a-routes.yaml
                admin_token: \(Self.token)
                queue_message: "You are number {position}[; about {wait}]."
              - app_id: shop_b.2
                secret_key: key-b
            """, in: directory)
        #expect(apps.count == 2)
        let a = apps[0]
        #expect(a.appID == "shop-a" && a.secretKey == "key-a" && a.webhookSecret == "hook-a")
        #expect(a.baseURL == "https://qiscus.example.com" && a.maxCustomersPerAgent == 3 && a.adminToken == Self.token)
        #expect(a.routesFile == "shop-a-routes.yaml" && a.routes.names == ["sales", "default"])
        #expect(a.queueMessage?.render(position: 3, waitMinutes: nil) == "You are number 3.")
        #expect(apps[1] == AppConfiguration(appID: "shop_b.2", secretKey: "key-b"), "absent fields take the global settings")
    }

    @Test func jsonIsReadToo() throws {
        let apps = try decode(#"{"apps":[{"app_id":"a1","secret_key":"k","max_customers_per_agent":"4"}]}"#, format: .json)
        #expect(apps.first?.maxCustomersPerAgent == 4)
        #expect(refusal(#"{"apps":[{"app_id":"a1","secret_key":"k",}]}"#, format: .json)?
            .hasPrefix("TENANTS_FILE tenants.yaml: is not valid JSON") == true)
    }

    @Test(arguments: [
        ("apps: []", "TENANTS_FILE tenants.yaml: apps must be a list of at least one app"),
        ("- a", "TENANTS_FILE tenants.yaml: must hold an object with an \"apps\" list"),
        ("apps: [{app_id: a}]\nextra: 1", "TENANTS_FILE tenants.yaml: extra is not a field of a tenants file (apps)"),
        ("apps: [{secret_key: k}]", "TENANTS_FILE tenants.yaml: app #1: app_id is required"),
        ("apps: [{app_id: a}]", "TENANTS_FILE tenants.yaml: app \"a\": secret_key is required"),
        ("apps: [{app_id: 'a b', secret_key: k}]",
         "TENANTS_FILE tenants.yaml: app \"a b\": app_id must be 1-128 characters without braces or spaces"),
        ("apps: [{app_id: 'a/b', secret_key: k}]",
         "TENANTS_FILE tenants.yaml: app \"a/b\": app_id must be letters, digits, '-', '_' or '.' (it is part of the app's paths)"),
        ("apps: [{app_id: a, secret_key: k}, {app_id: a, secret_key: k2}]", "TENANTS_FILE tenants.yaml: app \"a\": app_id is given twice"),
        ("apps: [{app_id: a, secret_key: k, max_customers_per_agent: 0}]",
         "TENANTS_FILE tenants.yaml: app \"a\": max_customers_per_agent must be a whole number in 1...10000"),
        ("apps: [{app_id: a, secret_key: k, max_customers_per_agent: true}]",
         "TENANTS_FILE tenants.yaml: app \"a\": max_customers_per_agent must be 1...10000"),
        ("apps: [{app_id: a, secret_key: k, base_url: 'ftp://x'}]", "TENANTS_FILE tenants.yaml: app \"a\": base_url must be an http(s) URL"),
        ("apps: [{app_id: a, secret_key: k, admin_token: short}]",
         "TENANTS_FILE tenants.yaml: app \"a\": admin_token must be at least 16 characters when set"),
        ("apps: [{app_id: a, secret_key: k, queue_message: 'Hi {name}'}]",
         "TENANTS_FILE tenants.yaml: app \"a\": queue_message has an unknown placeholder {name} (known: {position}, {wait})"),
        ("apps: [{app_id: a, secret_key: k, secret: x}]",
         "TENANTS_FILE tenants.yaml: app \"a\": secret is not a field of an app (app_id, secret_key, webhook_secret, base_url, max_customers_per_agent, routes_file, admin_token, queue_message)"),
        ("apps: [{app_id: a, secret_key: '  '}]", "TENANTS_FILE tenants.yaml: app \"a\": secret_key must not be empty"),
        ("apps: [7]", "TENANTS_FILE tenants.yaml: app #1: must be an object"),
    ])
    func aBadFileIsRefusedNamingTheAppAndTheField(text: String, expected: String) {
        #expect(refusal(text) == expected)
    }

    @Test func aMissingOrBadRoutesFileIsNamed() throws {
        let directory = try directory()
        try "routes: [{name: Sales}]".write(to: directory.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
        for (file, words) in [("missing.yaml", "can not be read"), ("bad.yaml", "route")] {
            do {
                _ = try decode("apps: [{app_id: a, secret_key: k, routes_file: \(file)}]", in: directory)
                Issue.record("\(file) was taken")
            } catch {
                #expect(error.app == "\"a\"" && error.field == "routes_file" && error.problem.contains(words), "\(error)")
            }
        }
    }

    @Test func aFileIsReadFromItsPath() throws {
        let directory = try directory()
        let path = directory.appendingPathComponent("tenants.json").path
        try #"{"apps":[{"app_id":"a1","secret_key":"k"}]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try TenantsFile.load(path: path).map(\.appID) == ["a1"])
        #expect(throws: TenantsFileError.self) { try TenantsFile.load(path: directory.appendingPathComponent("none.yaml").path) }
    }
}

extension TenantsFileTests {
    @Test func aNumberWhereTextBelongsIsRefusedNotRewritten() {
        // YAML reads a plain 0123 as octal 83 and 1_000 as 1000: a key or an id would change without a word.
        for (field, value) in [("secret_key", "0123"), ("app_id", "1_000"), ("admin_token", "12345678901234567"),
                               ("webhook_secret", "1.5")] {
            let line = switch field {
            case "app_id": "apps: [{app_id: \(value), secret_key: k}]"
            case "secret_key": "apps: [{app_id: a, secret_key: \(value)}]"
            default: "apps: [{app_id: a, secret_key: k, \(field): \(value)}]"
            }
            #expect(refusal(line)?.hasSuffix("\(field) must be text: put it in quotes") == true, "\(field): \(String(describing: refusal(line)))")
        }
        #expect(refusal("apps: [{app_id: a, secret_key: '0123'}]") == nil, "quoted, it is text")
    }
}
