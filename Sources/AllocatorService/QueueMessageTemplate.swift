/// The text of `QUEUE_MESSAGE`, checked once at start-up and rendered for each message.
///
/// Placeholders: `{position}` (the room's place in its route's queue, 1 = next) and `{wait}` (the expected wait,
/// "4 min", "1 h 20 min"). `{wait}` has no value while the route has no recent service rate; then:
/// - a part in square brackets that holds `{wait}` is left out: `You are number {position}[; about {wait}].`
///   renders `You are number 3.` (brackets around parts with a value are dropped, their text kept);
/// - a `{wait}` outside brackets takes its clause with it: from the last `;`, `,`, `.`, `!` or `?` before it up
///   to (not including) the next `.`, `!`, `?` or `;` after it (`You are number {position} in line; expected
///   wait about {wait}.` renders `You are number 3 in line.`). With no such mark before it, the clause runs from
///   the start of the text through the mark after it and the spaces that follow.
///
/// `{`, `}`, `[` and `]` are reserved: a template with another placeholder, unbalanced braces or brackets, or
/// brackets inside brackets is refused, and so is one that leaves nothing to send without `{wait}`. `{position}`
/// is not required.
public struct QueueMessageTemplate: Sendable, Equatable, CustomStringConvertible {
    /// One piece of a parsed template: a character, a placeholder, or an optional part.
    indirect enum Unit: Sendable, Equatable {
        case character(Character)
        case position
        case wait
        case optional([Unit])
    }

    /// Why a template is refused (the words after the variable's name).
    public struct Refusal: Error, Sendable, Equatable {
        public let problem: String
    }

    /// The placeholders a template may use.
    public static let placeholders = ["position", "wait"]
    /// The longest template taken, in characters.
    public static let maxLength = 2_000

    public let text: String
    /// The template as parsed, for a route with a service rate.
    let withWait: [Unit]
    /// The template without the parts that need `{wait}`.
    let withoutWait: [Unit]

    /// - Throws: ``Refusal`` naming an unknown placeholder, or an unbalanced brace or bracket.
    public init(_ text: String) throws(Refusal) {
        guard !text.isEmpty, text.count <= Self.maxLength else {
            throw Refusal(problem: "must be 1-\(Self.maxLength) characters")
        }
        self.text = text
        withWait = try Self.parse(text)
        withoutWait = Self.droppingWait(withWait)
        if render(position: 1, waitMinutes: nil).allSatisfy(\.isWhitespace) {
            throw Refusal(problem: "is empty while a route has no service rate yet (everything is in the part with {wait}): keep some text outside it")
        }
    }

    public var description: String { text }

    /// The message for a room at `position`, with the expected wait when the route has a rate.
    public func render(position: Int, waitMinutes: Double?) -> String {
        let wait = waitMinutes.map(Self.formatWait)
        var text = ""
        func append(_ units: [Unit]) {
            for unit in units {
                switch unit {
                case .character(let character): text.append(character)
                case .position: text += String(position)
                case .wait: text += wait ?? ""
                case .optional(let inner): append(inner)
                }
            }
        }
        append(wait == nil ? withoutWait : withWait)
        return text
    }

    /// A wait in minutes as people read it: `1 min` (never less), `4 min`, `1 h`, `1 h 20 min`.
    public static func formatWait(_ minutes: Double) -> String {
        let total = max(1, Int(minutes.isFinite ? min(minutes, 1e6).rounded() : 1e6))
        guard total >= 60 else { return "\(total) min" }
        let (hours, rest) = total.quotientAndRemainder(dividingBy: 60)
        return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min"
    }

    private static func parse(_ text: String) throws(Refusal) -> [Unit] {
        var top: [Unit] = []
        var inner: [Unit]?
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            var unit: Unit?
            switch character {
            case "{":
                guard let close = text[index...].firstIndex(of: "}") else { throw Refusal(problem: "has a { without its }") }
                let name = String(text[text.index(after: index)..<close])
                if name.contains("{") { throw Refusal(problem: "has a { without its }") }
                switch name {
                case "position": unit = .position
                case "wait": unit = .wait
                default:
                    let known = placeholders.map { "{\($0)}" }.joined(separator: ", ")
                    throw Refusal(problem: "has an unknown placeholder {\(name.prefix(40))} (known: \(known))")
                }
                index = close
            case "}":
                throw Refusal(problem: "has a } without its {")
            case "[":
                guard inner == nil else { throw Refusal(problem: "has brackets inside brackets") }
                inner = []
            case "]":
                guard let part = inner else { throw Refusal(problem: "has a ] without its [") }
                top.append(.optional(part))
                inner = nil
            default:
                unit = .character(character)
            }
            if let unit {
                if inner != nil { inner!.append(unit) } else { top.append(unit) }
            }
            index = text.index(after: index)
        }
        if inner != nil { throw Refusal(problem: "has a [ without its ]") }
        return top
    }

    /// Marks a clause starts after, and marks it ends before.
    private static let clauseStarts: Set<Character> = [";", ",", ".", "!", "?"]
    private static let clauseEnds: Set<Character> = [".", "!", "?", ";"]

    /// The template for a route without a rate: optional parts holding `{wait}` left out, and the clause of each
    /// other `{wait}`.
    static func droppingWait(_ units: [Unit]) -> [Unit] {
        var units = units.filter { unit in
            if case .optional(let inner) = unit { return !inner.contains(.wait) }
            return true
        }
        while let wait = units.firstIndex(of: .wait) {
            let start = units[..<wait].lastIndex { unit in
                if case .character(let c) = unit { return clauseStarts.contains(c) }
                return false
            }
            let end = units[wait...].firstIndex { unit in
                if case .character(let c) = unit { return clauseEnds.contains(c) }
                return false
            } ?? units.endIndex
            if let start {
                units.removeSubrange(start..<end)
            } else {
                var stop = end < units.endIndex ? end + 1 : end
                while stop < units.endIndex, case .character(let c) = units[stop], c.isWhitespace { stop += 1 }
                units.removeSubrange(units.startIndex..<stop)
            }
        }
        return units
    }
}
