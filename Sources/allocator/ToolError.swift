/// A step of a tool verb (bench, demo) that could not be done, in words.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
