import Foundation
import HTTPServer
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// The chromium driver of `TestSupport` (``Browser``, ``BrowserPage``) against a small page served by our
/// own `HTTPServer`. One chromium per test, one test at a time (chromium is heavy on 2 cores).
@Suite(.serialized) struct BrowserDriverTests {
    /// The page under test: a button that changes text, one that changes it later, one that throws, a fetch()
    /// of an API that echoes the cookies it got, and a form posted to `/submit`.
    static let page = """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Driver test</title></head>
        <body style="font: 24px sans-serif">
        <h1>Browser driver</h1>
        <p id="status">idle</p>
        <button id="change" onclick="document.getElementById('status').textContent = 'clicked'">Change</button>
        <button id="later" onclick="setTimeout(() => document.getElementById('status').textContent = 'later', 200)">Later</button>
        <button id="off" disabled>Off</button>
        <button id="boom" onclick="setTimeout(() => { throw new Error('boom from the page') })">Boom</button>
        <p id="cookie">waiting</p>
        <form method="post" action="/submit">
          <input id="name" name="name" value="old" oninput="window.inputs = (window.inputs || 0) + 1"
                 onchange="window.changed = this.value">
          <button id="send" type="submit">Send</button>
        </form>
        <script>
          fetch('/api/whoami').then(r => r.json()).then(j => { document.getElementById('cookie').textContent = j.cookie; });
          console.log('page ready', 42);
        </script>
        </body></html>
        """

    /// Serves ``page`` at `/` (setting an HttpOnly session cookie and a plain one), `/api/whoami` and
    /// `/submit`, opens a page in a fresh chromium and runs `body`; closes both however it ends.
    private func withServedPage(_ body: (BrowserPage, HTTPServer) async throws -> Void) async throws {
        let server = try startServer {
            $0.on("GET", "/") { _ in
                var response = ServerResponse.text(Self.page, contentType: "text/html; charset=utf-8")
                response.headers += [("Set-Cookie", "session=s3cret; Path=/; HttpOnly; SameSite=Lax"),
                                     ("Set-Cookie", "theme=dark; Path=/")]
                return response
            }
            $0.on("GET", "/api/whoami") { request in .json(["cookie": request.header("cookie") ?? ""]) }
            $0.on("POST", "/submit") { request in
                let form = String(decoding: request.body, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
                let name = URLComponents(string: "?" + form)?.queryItems?.first { $0.name == "name" }?.value ?? ""
                let escaped = name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                return .text("<p id=\"greeting\">Hello, \(escaped)</p>", contentType: "text/html; charset=utf-8")
            }
        }
        defer { inBackground { server.stop() } }
        try await withPage { page in try await body(page, server) }
    }

    @Test func navigateEvaluateAndCollectConsole() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            #expect(try await page.url == server.url("/"))
            #expect(try await page.evaluate("document.title") == "Driver test")
            #expect(try await page.evaluate("[1 + 2, 'a' + 'b', null, {x: true}]") == [3, "ab", nil, ["x": true]])
            #expect(try await page.evaluate("new Promise(done => setTimeout(() => done('later'), 50))") == "later")
            #expect(try await page.evaluate("undefined") == .null)
            struct Button: Decodable, Equatable { var id: String; var disabled: Bool }
            let buttons = try await page.evaluate(
                "[...document.querySelectorAll('button')].map(b => ({id: b.id, disabled: b.disabled}))", as: [Button].self)
            #expect(buttons.map(\.id) == ["change", "later", "off", "boom", "send"])
            #expect(buttons.filter(\.disabled).map(\.id) == ["off"])

            let error = await #expect(throws: BrowserError.self) { try await page.evaluate("null.field") }
            #expect("\(error!)".contains("TypeError"), "\(error!)")
            let rejected = await #expect(throws: BrowserError.self) { try await page.evaluate("Promise.reject(new Error('no way'))") }
            #expect("\(rejected!)".contains("no way"), "\(rejected!)")

            #expect(page.consoleMessages.contains { $0.level == .log && $0.text == "page ready 42" }, "\(page.consoleMessages)")
            #expect(page.errors.isEmpty, "\(page.errors)") // evaluate's own exceptions are thrown, not collected

            let refused = await #expect(throws: BrowserError.self) {
                try await page.navigate(to: "http://127.0.0.1:\(try RedisServerProcess.freePort())/")
            }
            #expect("\(refused!)".contains("ERR_CONNECTION_REFUSED"), "\(refused!)")
        }
    }

    @Test func waitForReturnsTheTruthyValueOrTimesOutWithTheLastValueAndURL() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            // The fetch() sent both cookies, the HttpOnly one too.
            let cookie = try await page.waitFor("document.querySelector('#cookie').textContent.includes('session=')")
            #expect(cookie == true)
            #expect(try await page.text("#cookie")?.contains("session=s3cret") == true)

            let started = ContinuousClock.now
            let timedOut = await #expect(throws: BrowserError.self) {
                try await page.waitFor("document.querySelector('#status').textContent == 'never'", timeout: .milliseconds(300))
            }
            #expect(ContinuousClock.now - started < .seconds(3))
            let message = "\(timedOut!)"
            #expect(message.contains("last value: false") && message.contains(server.url("/")), "\(message)")

            let throwing = await #expect(throws: BrowserError.self) {
                try await page.waitFor("document.querySelector('#missing').textContent", timeout: .milliseconds(200))
            }
            #expect("\(throwing!)".contains("threw TypeError"), "\(throwing!)")
        }
    }

    @Test func clickWaitsForItsElementAndFailsClearly() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            try await page.click("#change")
            #expect(try await page.text("#status") == "clicked")
            try await page.click("#later")
            try await page.waitFor("document.querySelector('#status').textContent == 'later'")

            let missing = await #expect(throws: BrowserError.self) { try await page.click("#nothing", timeout: .milliseconds(200)) }
            #expect("\(missing!)".contains("no element matches #nothing"), "\(missing!)")
            let disabled = await #expect(throws: BrowserError.self) { try await page.click("#off", timeout: .milliseconds(200)) }
            #expect("\(disabled!)".contains("#off is disabled"), "\(disabled!)")
        }
    }

    @Test func typeReplacesTheValueAndTheFormPosts() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            try await page.type("Ana & <Budi>", into: "#name")
            #expect(try await page.evaluate("document.querySelector('#name').value") == "Ana & <Budi>")
            #expect(try await page.evaluate("window.inputs > 0") == true)
            #expect(try await page.evaluate("window.changed") == "Ana & <Budi>")

            try await page.waitForLoad { try await page.click("#send") }
            #expect(try await page.url == server.url("/submit"))
            #expect(try await page.text("#greeting") == "Hello, Ana & <Budi>")
        }
    }

    @Test func cookiesShowHttpOnlyOnesThatScriptsCannotSee() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            let cookies = try await page.cookies()
            let session = try #require(cookies.first { $0.name == "session" })
            #expect(session.value == "s3cret" && session.httpOnly && session.path == "/" && session.session)
            #expect(session.domain == "127.0.0.1" && session.sameSite == "Lax")
            #expect(cookies.first { $0.name == "theme" }?.httpOnly == false)
            #expect(try await page.evaluate("document.cookie") == "theme=dark")
        }
    }

    @Test func uncaughtExceptionsAndConsoleErrorsAreCollected() async throws {
        try await withServedPage { page, server in
            try await page.navigate(to: server.url("/"))
            #expect(page.errors.isEmpty)
            try await page.click("#boom")
            try await page.evaluate("console.error('bad', {code: 7}); void Promise.reject(new Error('unhandled'))")
            try await eventually(within: 5) { page.errors.count >= 3 }
            let errors = page.errors
            #expect(errors.contains { $0.level == .exception && $0.text.contains("Error: boom from the page") }, "\(errors)")
            #expect(errors.contains { $0.level == .error && $0.text.hasPrefix("bad") }, "\(errors)")
            #expect(errors.contains { $0.level == .exception && $0.text.contains("unhandled") }, "\(errors)")
            page.clearConsoleMessages()
            #expect(page.errors.isEmpty)
        }
    }

    @Test func screenshotWritesAPNGOfTheViewport() async throws {
        try await withServedPage { page, server in
            try await page.setViewport(.init(width: 640, height: 400))
            try await page.navigate(to: server.url("/"))
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID()).png").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let png = try await page.screenshot(path: path)
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == png)
            #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
            // IHDR: width and height, big-endian, at bytes 16 and 20.
            let size = { (offset: Int) in png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
            #expect(size(16) == 640 && size(20) == 400)
            // A blank 640×400 PNG is well under 2 KB; rendered text and buttons make it larger.
            #expect(png.count > 5_000, "\(png.count) bytes")
        }
    }

    @Test func closeAndDeinitLeaveNoChromiumProcess() async throws {
        let browser = try await Browser.launch()
        let page = try await browser.newPage()
        #expect(try await page.evaluate("navigator.userAgent").string?.contains("HeadlessChrome") == true)
        let pid = browser.pid
        #expect(kill(pid, 0) == 0 && !browser.remainingProcesses.isEmpty)
        await browser.close()
        #expect(kill(pid, 0) == -1 && errno == ESRCH)
        #expect(browser.remainingProcesses.isEmpty)
        await browser.close() // twice is harmless
        let afterClose = await #expect(throws: BrowserError.self) { try await page.evaluate("1") }
        #expect("\(afterClose!)".contains("closed"), "\(afterClose!)")

        // Dropped without close() (a test that failed half-way): deinit kills it.
        var dropped: Browser? = try await Browser.launch()
        let droppedPID = try #require(dropped?.pid)
        dropped = nil
        #expect(kill(droppedPID, 0) == -1 && errno == ESRCH)
    }

    @Test func aChromiumThatNeverAnswersFailsTheLaunchInTime() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mute-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let mute = directory.appendingPathComponent("chromium").path
        try "#!/bin/sh\necho 'mute chromium started'\nexec sleep 60\n".write(toFile: mute, atomically: true, encoding: .utf8)
        chmod(mute, 0o755)
        let started = ContinuousClock.now
        let error = await #expect(throws: BrowserError.self) {
            try await Browser.launch(.init(executable: mute, launchTimeout: .milliseconds(500)))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        let message = "\(error!)"
        #expect(message.contains("no answer from chromium to Browser.getVersion") && message.contains("mute chromium started"),
                "\(message)")
    }

    @Test func aMissingChromiumFailsWithAClearMessage() async throws {
        #expect(Browser.isAvailable, "chromium is needed by the browser tests: `make deps` installs it")
        #expect("\(BrowserError.notInstalled)".contains("make deps"))
        let error = await #expect(throws: BrowserError.self) {
            try await Browser.launch(.init(executable: "/nonexistent/chromium"))
        }
        #expect("\(error!)".contains("/nonexistent/chromium"), "\(error!)")
    }
}
