import Foundation

extension BrowserPage {
    /// Clicks the first element matching the CSS `selector` (a DOM `click()`, after scrolling it into
    /// view), waiting up to `timeout` for it to exist and be enabled.
    public func click(_ selector: String, timeout: Duration = .seconds(5)) async throws {
        try await waitFor("""
            (() => {
              const element = document.querySelector(\(JSONValue.string(selector)));
              if (!element) throw new Error('no element matches ' + \(JSONValue.string(selector)));
              if (element.disabled) throw new Error(\(JSONValue.string(selector)) + ' is disabled');
              element.scrollIntoView({block: 'center'});
              element.click();
              return true;
            })()
            """, timeout: timeout)
    }

    /// Replaces the value of the input matching `selector` with `text` as typed (focus, select all, then
    /// `Input.insertText`, which fires `input` events), then fires `change`. Waits up to `timeout` for the
    /// element.
    public func type(_ text: String, into selector: String, timeout: Duration = .seconds(5)) async throws {
        try await waitFor("""
            (() => {
              const element = document.querySelector(\(JSONValue.string(selector)));
              if (!element) throw new Error('no element matches ' + \(JSONValue.string(selector)));
              if (element.disabled) throw new Error(\(JSONValue.string(selector)) + ' is disabled');
              element.focus();
              if (typeof element.select === 'function') element.select();
              return document.activeElement === element;
            })()
            """, timeout: timeout)
        try await send("Input.insertText", ["text": .string(text)])
        try await evaluate("""
            document.querySelector(\(JSONValue.string(selector))).dispatchEvent(new Event('change', {bubbles: true}))
            """)
    }
}
