import AllocatorService
import Testing

/// The `ConfigurationError` that `load` throws (nil when it loads; any other error is recorded as an issue).
func configurationError(_ load: () async throws -> Void) async -> ConfigurationError? {
    do {
        try await load()
        return nil
    } catch let error as ConfigurationError {
        return error
    } catch {
        Issue.record("not a ConfigurationError: \(error)")
        return nil
    }
}
