/// Why a value was refused: the words after the variable's name; `showsValue` appends the value (redacted).
struct SettingRefusal: Error, Sendable {
    var problem: String
    var showsValue: Bool

    init(_ problem: String, showsValue: Bool = true) {
        self.problem = problem
        self.showsValue = showsValue
    }
}
