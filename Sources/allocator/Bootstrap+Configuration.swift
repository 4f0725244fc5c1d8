import AllocatorService
import ArgumentParser
import Foundation

extension Bootstrap {
    /// Runs `load`; a ``ConfigurationError`` becomes its one line on stderr and exit code 78 (EX_CONFIG).
    static func configuration<Loaded>(_ load: () async throws -> Loaded) async throws -> Loaded {
        do {
            return try await load()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("allocator: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
