/// The return codes of one Lua script, mirrored from the `Returns:` block of its header.
public protocol ScriptCode: RawRepresentable, CaseIterable, Sendable, Equatable where RawValue == Int {
    /// The script's file name in `lua/` without `.lua`.
    static var script: String { get }
}

/// A script's answer: its code and the values that follow the code in the reply.
public struct ScriptResult<Code: ScriptCode>: Sendable, Equatable {
    public let code: Code
    public let values: [String]

    public init(code: Code, values: [String] = []) {
        self.code = code
        self.values = values
    }
}
