import Foundation

/// Starts a ``Browser``, runs `body` with it and closes it (chromium ended, profile removed) however `body`
/// ends. Fails with ``BrowserError/notInstalled`` when there is no chromium.
public func withBrowser<T: Sendable>(_ options: Browser.Options = .init(),
                                     _ body: (Browser) async throws -> T) async throws -> T {
    let browser = try await Browser.launch(options)
    do {
        let result = try await body(browser)
        await browser.close()
        return result
    } catch {
        await browser.close()
        throw error
    }
}

/// ``withBrowser(_:_:)`` with one page already open, for the common one-page test.
public func withPage<T: Sendable>(_ options: Browser.Options = .init(),
                                  _ body: (BrowserPage) async throws -> T) async throws -> T {
    try await withBrowser(options) { browser in
        try await body(try await browser.newPage())
    }
}
