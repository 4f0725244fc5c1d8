import Foundation

/// Lines for a person watching: written at once (`print` buffers when stdout is a pipe, as under `make demo | tee`).
enum Console {
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
