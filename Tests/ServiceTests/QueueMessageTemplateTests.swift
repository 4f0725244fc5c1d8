@testable import AllocatorService
import Allocation
import Testing

/// `QUEUE_MESSAGE`: the placeholders, the parts left out without a service rate, the wait as people read it,
/// and the templates start-up refuses.
@Suite struct QueueMessageTemplateTests {
    func render(_ text: String, position: Int = 3, wait: Double? = nil) throws -> String {
        try QueueMessageTemplate(text).render(position: position, waitMinutes: wait)
    }

    @Test func placeholdersAreFilledIn() throws {
        let text = "You are number {position} in line; expected wait about {wait}."
        #expect(try render(text, wait: 4) == "You are number 3 in line; expected wait about 4 min.")
        #expect(try render("{position}{position}", position: 12) == "1212")
        #expect(try render("Please wait.") == "Please wait.", "no placeholder at all")
    }

    @Test(arguments: [
        ("You are number {position} in line; expected wait about {wait}.", "You are number 3 in line."),
        ("You are number {position} in line[; expected wait about {wait}].", "You are number 3 in line."),
        ("You are number {position}. Expected wait {wait}. Thanks!", "You are number 3. Thanks!"),
        ("Hi, expect {wait}; you are number {position}.", "Hi; you are number 3."),
        ("Expected wait {wait}. You are number {position}.", "You are number 3."),
        ("You are number {position}, wait about {wait}", "You are number 3"),
        ("Number {position}[ (about {wait})][, thanks]!", "Number 3, thanks!"),
    ])
    func withoutARateTheWaitAndItsClauseAreLeftOut(template: String, expected: String) throws {
        #expect(try render(template) == expected)
    }

    @Test func withARateOptionalPartsAreKeptWithoutTheirBrackets() throws {
        #expect(try render("You are number {position} in line[; expected wait about {wait}].", wait: 80)
                == "You are number 3 in line; expected wait about 1 h 20 min.")
        #expect(try render("[Hello! ]Number {position}") == "Hello! Number 3", "a part without {wait} always stays")
    }

    @Test(arguments: [(0.2, "1 min"), (1, "1 min"), (4.4, "4 min"), (59.6, "1 h"), (80, "1 h 20 min"),
                      (125, "2 h 5 min"), (Double.infinity, "16666 h 40 min")])
    func waitsReadAsMinutesAndHours(minutes: Double, text: String) {
        #expect(QueueMessageTemplate.formatWait(minutes) == text)
    }

    @Test(arguments: [
        ("Hi {name}, you are number {position}.", "has an unknown placeholder {name} (known: {position}, {wait})"),
        ("You are {}", "has an unknown placeholder {} (known: {position}, {wait})"),
        ("You are {Position}", "has an unknown placeholder {Position} (known: {position}, {wait})"),
        ("You are number {position", "has a { without its }"),
        ("You are {pos{position}", "has a { without its }"),
        ("You are number position}", "has a } without its {"),
        ("Number {position}[; about {wait}", "has a [ without its ]"),
        ("Number {position}; about {wait}]", "has a ] without its ["),
        ("Number [{position} [{wait}]]", "has brackets inside brackets"),
        (String(repeating: "x", count: 2_001), "must be 1-2000 characters"),
        ("Wait {wait}", "is empty while a route has no service rate yet (everything is in the part with {wait}): keep some text outside it"),
        ("[About {wait}.]", "is empty while a route has no service rate yet (everything is in the part with {wait}): keep some text outside it"),
    ])
    func badTemplatesAreRefusedNamingTheFault(template: String, problem: String) {
        #expect(throws: QueueMessageTemplate.Refusal(problem: problem)) { try QueueMessageTemplate(template) }
    }

    @Test func startUpRefusesABadTemplateNamingThePlaceholder() async throws {
        var environment = ServiceConfigurationTests.required
        environment["QUEUE_MESSAGE"] = "Hi {name}, you are number {position}."
        let error = try #require(await ServiceConfigurationTests.configurationError(environment))
        #expect(error.variable == "QUEUE_MESSAGE")
        #expect(error.description.contains("has an unknown placeholder {name}"), "\(error)")
        environment["QUEUE_MESSAGE"] = "You are number {position"
        #expect(await ServiceConfigurationTests.configurationError(environment)?.problem.hasPrefix("has a { without its }") == true)
        environment["QUEUE_MESSAGE"] = "ok"
        environment["QUEUE_MESSAGE_STEP"] = "0"
        #expect(await ServiceConfigurationTests.configurationError(environment)?.variable == "QUEUE_MESSAGE_STEP")
        environment["QUEUE_MESSAGE_STEP"] = "2"
        environment["QUEUE_MESSAGE_MAX_PER_SECOND"] = "1001"
        #expect(await ServiceConfigurationTests.configurationError(environment)?.variable == "QUEUE_MESSAGE_MAX_PER_SECOND")
    }

    @Test func unsetIsOffAndTheDefaultsAreTheTables() async throws {
        let off = try await ServiceConfigurationTests.load([:])
        #expect(off.queueMessage == nil && off.queueMessageStep == 5 && off.queueMessageMaxPerSecond == 20)
        #expect(off.queueMessage == nil)
        let blank = try await ServiceConfigurationTests.load(["QUEUE_MESSAGE": "  "])
        #expect(blank.queueMessage == nil, "blanks count as unset")
        let on = try await ServiceConfigurationTests.load([
            "QUEUE_MESSAGE": "You are number {position} in line[; about {wait}].", "QUEUE_MESSAGE_STEP": "2",
            "QUEUE_MESSAGE_MAX_PER_SECOND": "1000",
        ])
        #expect(on.queueMessage?.text == "You are number {position} in line[; about {wait}].")
        #expect(on.queueMessageStep == 2 && on.queueMessageMaxPerSecond == 1000)
    }

    @Test func theExpectedWaitIsThePositionOverTheRecentRate() {
        let quiet = (0..<10).map { RouteMinute(minute: $0) }
        #expect(QueueMessenger.waitMinutes(position: 3, minutes: quiet, secondsIntoMinute: 30) == nil, "no rate yet")
        // 19 rooms over 9.5 minutes: 2 a minute, so the third in line waits about 1.5 minutes.
        let busy = (0..<10).map { RouteMinute(minute: $0, served: $0 == 9 ? 1 : 2) }
        #expect(QueueMessenger.waitMinutes(position: 3, minutes: busy, secondsIntoMinute: 30) == 1.5)
        // A route that started serving this minute, 30 s ago: 4 rooms in half a minute.
        let starting = (0..<10).map { RouteMinute(minute: $0, served: $0 == 9 ? 4 : 0) }
        #expect(QueueMessenger.waitMinutes(position: 4, minutes: starting, secondsIntoMinute: 30) == 0.5)
    }

    @Test func theSpacingHookIsReadFromTheEnvironment() throws {
        #expect(try TestHooks.load(environment: [:]) == TestHooks())
        #expect(try TestHooks.load(environment: ["ALLOCATOR_QUEUE_MESSAGE_SPACING_MS": "1500"]).queueMessageSpacing
                == .milliseconds(1500))
        #expect(throws: ConfigurationError.self) { try TestHooks.load(environment: ["ALLOCATOR_QUEUE_MESSAGE_SPACING_MS": "x"]) }
    }
}
