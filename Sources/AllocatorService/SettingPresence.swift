/// Whether a variable has a default, may stay unset, or must be set.
public enum SettingPresence: Sendable, Equatable {
    /// The default, written as in the README and `.example.env`.
    case defaulted(String)
    case optional
    /// Required by the commands that read it; `hint` tells where the value comes from.
    case required(hint: String)
}
