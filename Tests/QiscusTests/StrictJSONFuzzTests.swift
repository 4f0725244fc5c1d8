import Foundation
import Qiscus
import Testing
import TestSupport

/// `StrictJSON` against the real Qiscus payloads and seeded random documents. Set `STRICT_JSON_FUZZ_SEED`
/// to replay a failing seed.
@Suite struct StrictJSONFuzzTests {
    /// The Qiscus payload fixtures of the service tests (shared, not copied).
    static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ServiceTests/Fixtures/qiscus")

    static func fixtures() throws -> [(name: String, bytes: [UInt8])] {
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtureDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { ($0, Array(try Data(contentsOf: fixtureDirectory.appendingPathComponent($0)))) }
    }

    static func seed() -> UInt64 {
        ProcessInfo.processInfo.environment["STRICT_JSON_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: .min ... .max)
    }

    @Test func everyQiscusFixtureValidates() async throws {
        try await onThread {
            let fixtures = try Self.fixtures()
            #expect(fixtures.count >= 6, "found \(fixtures.map(\.name)) in \(Self.fixtureDirectory.path)")
            for fixture in fixtures {
                #expect(throws: Never.self, "\(fixture.name)") { try StrictJSON.validate(fixture.bytes) }
            }
            let directory = Self.fixtureDirectory
            for name in ["caa-webhook-new", "caa-webhook-returning"] {
                let data = try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
                #expect(try StrictJSON.decode(AllocationWebhook.self, from: data).roomID == "57491250")
            }
            let resolve = try Data(contentsOf: directory.appendingPathComponent("resolve-webhook.json"))
            #expect(try StrictJSON.decode(ResolveWebhook.self, from: resolve).sessionFloor == "88123401")
        }
    }

    /// Random byte mutations of the fixtures: each result validates or throws a `StrictJSONError` with an
    /// offset inside the document (a crash or a trap fails the whole run), and whatever validates is JSON
    /// to Foundation too.
    @Test func mutatedFixturesValidateOrThrow() async throws {
        try await onThread {
            let seed = Self.seed()
            var random = SplitMix64(seed: seed)
            let fixtures = try Self.fixtures().map(\.bytes)
            let jsonBytes = Array(#"{}[]":,0123456789 -+.eE\/*'truefalsnlNaI"#.utf8) + [0x09, 0x0A, 0x0D, 0x0C, 0x00, 0xC0, 0xED, 0xEF, 0xFF]
            var accepted = 0, rejected = 0
            var failures: [String] = []
            for _ in 0..<6_000 {
                var bytes = fixtures[Int.random(in: 0..<fixtures.count, using: &random)]
                for _ in 0...Int.random(in: 0...3, using: &random) {
                    bytes = Self.mutate(bytes, jsonBytes: jsonBytes, using: &random)
                }
                do {
                    try StrictJSON.validate(bytes)
                    accepted += 1
                    if !Self.foundationParses(bytes), failures.count < 10 {
                        failures.append("accepted, but not JSON to Foundation: \(Self.show(bytes))")
                    }
                } catch let error as StrictJSONError {
                    rejected += 1
                    if !(0...bytes.count).contains(error.offset), failures.count < 10 {
                        failures.append("\(error) is outside the \(bytes.count) bytes: \(Self.show(bytes))")
                    }
                }
            }
            #expect(failures.isEmpty, "seed \(seed) (replay with STRICT_JSON_FUZZ_SEED=\(seed)):\n\(failures.joined(separator: "\n"))")
            #expect(accepted >= 300 && rejected >= 3_000, "seed \(seed): \(accepted) accepted, \(rejected) rejected")
        }
    }

    /// Random valid documents (unique keys, random escapes and whitespace) validate; the same documents with
    /// one planted fault are refused for that fault.
    @Test func generatedDocumentsAndPlantedFaults() async throws {
        try await onThread {
            let seed = Self.seed()
            var random = SplitMix64(seed: seed)
            var failures: [String] = []
            func fail(_ problem: String, _ bytes: [UInt8]) {
                if failures.count < 10 { failures.append("\(problem): \(Self.show(bytes))") }
            }
            var faults: [StrictJSONError.Reason: Int] = [:]
            for _ in 0..<3_000 {
                let tree = GeneratedJSON.random(using: &random)
                let valid = tree.render(using: &random)
                do {
                    try StrictJSON.validate(valid)
                } catch {
                    fail("a valid document was refused: \(error)", valid)
                }
                if !Self.foundationParses(valid) {
                    fail("the generator wrote something Foundation does not parse", valid)
                }

                let (faulty, expected) = Self.plantFault(in: tree, using: &random)
                let bytes = faulty.render(using: &random)
                do {
                    try StrictJSON.validate(bytes)
                    fail("a document with a planted \(expected) was accepted", bytes)
                } catch let error as StrictJSONError {
                    faults[expected, default: 0] += 1
                    if error.reason != expected { fail("\(error), expected \(expected)", bytes) }
                    if !(0...bytes.count).contains(error.offset) { fail("\(error) is outside the document", bytes) }
                }
            }
            #expect(failures.isEmpty, "seed \(seed) (replay with STRICT_JSON_FUZZ_SEED=\(seed)):\n\(failures.joined(separator: "\n"))")
            #expect(faults.count >= 12, "seed \(seed): only \(faults.keys.count) kinds of fault were planted: \(faults)")
            #expect(faults[.duplicateKey, default: 0] >= 300, "seed \(seed): \(faults)")
        }
    }

    // MARK: - Helpers

    /// One byte-level mutation: flip, insert, delete, truncate, duplicate or swap.
    static func mutate(_ bytes: [UInt8], jsonBytes: [UInt8], using random: inout SplitMix64) -> [UInt8] {
        guard !bytes.isEmpty else { return [jsonBytes[Int.random(in: 0..<jsonBytes.count, using: &random)]] }
        var copy = bytes
        let at = Int.random(in: 0..<copy.count, using: &random)
        switch Int.random(in: 0..<6, using: &random) {
        case 0: copy[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1: copy.insert(Bool.random(using: &random) ? UInt8.random(in: 0...255, using: &random)
                                : jsonBytes[Int.random(in: 0..<jsonBytes.count, using: &random)], at: at)
        case 2: copy.removeSubrange(at..<min(copy.count, at + Int.random(in: 1...16, using: &random)))
        case 3: copy.removeSubrange(at...)
        case 4: copy.insert(contentsOf: copy[at..<min(copy.count, at + Int.random(in: 1...32, using: &random))], at: at)
        default: copy.swapAt(at, Int.random(in: 0..<copy.count, using: &random))
        }
        return copy
    }

    /// Bad tokens for a value's place, with the reason each must be refused for.
    static let badValues: [(String, StrictJSONError.Reason)] = [
        ("NaN", .unexpectedCharacter(UInt8(ascii: "N"))), ("Infinity", .unexpectedCharacter(UInt8(ascii: "I"))),
        ("-Infinity", .invalidNumber), ("01", .invalidNumber), ("-", .invalidNumber), ("1.", .invalidNumber),
        (".5", .unexpectedCharacter(UInt8(ascii: "."))), ("+1", .unexpectedCharacter(UInt8(ascii: "+"))),
        ("1e", .invalidNumber), ("0x1F", .invalidNumber), ("tru", .invalidLiteral), ("nulls", .invalidLiteral),
        ("'a'", .unexpectedCharacter(UInt8(ascii: "'"))), ("/*c*/1", .comment), ("undefined", .unexpectedCharacter(UInt8(ascii: "u"))),
        (#""\x""#, .invalidEscape), (#""\ud800""#, .loneSurrogate), (#""\udc00\ud800""#, .loneSurrogate),
        (#""\u12G4""#, .invalidUnicodeEscape), ("\"a\tb\"", .controlCharacter),
        (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), .tooDeep),
    ]

    /// The tree with one fault planted at a random place, and the reason it must be refused for.
    static func plantFault(in tree: GeneratedJSON, using random: inout SplitMix64) -> (GeneratedJSON, StrictJSONError.Reason) {
        let node = Int.random(in: 0..<tree.size, using: &random)
        switch Int.random(in: 0..<8, using: &random) {
        case 0, 1: // a key again, in an object of the tree or in a new one around a node
            let value = GeneratedJSON.random(depth: 4, using: &random)
            let spare = GeneratedJSON.randomText(maxLength: 3, using: &random)
            let pick = Int.random(in: 0..<1_000, using: &random)
            return (tree.transformingNode(node) { node in
                guard case .object(var fields, _) = node, !fields.isEmpty else {
                    return .object([(spare, node), (spare, value)])
                }
                let key = fields[pick % fields.count].key
                fields.insert((key, value), at: pick % (fields.count + 1))
                return .object(fields)
            }, .duplicateKey)
        case 2: // a trailing comma in a container (a new one where the node is not a non-empty container)
            return (tree.transformingNode(node) { node in
                switch node {
                case .array(let elements, _) where !elements.isEmpty: .array(elements, trailingComma: true)
                case .object(let fields, _) where !fields.isEmpty: .object(fields, trailingComma: true)
                default: .array([node], trailingComma: true)
                }
            }, .trailingComma)
        case 3, 4, 5: // a bad token instead of a value
            let (token, reason) = badValues[Int.random(in: 0..<badValues.count, using: &random)]
            return (tree.transformingNode(node) { _ in .raw(Array(token.utf8)) }, reason)
        case 6: // bytes that are not UTF-8 inside a string
            let bad: [[UInt8]] = [[0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0x80]]
            let bytes = bad[Int.random(in: 0..<bad.count, using: &random)]
            return (tree.transformingNode(node) { _ in .raw([0x22, 0x61] + bytes + [0x22]) }, .invalidUTF8)
        default: // something after the document (after a space, so it does not continue a number or a word)
            let tails: [(String, StrictJSONError.Reason)] = [(" x", .trailingContent), (" {}", .trailingContent),
                                                              (" //c", .comment), (" \u{0}", .trailingContent)]
            let (tail, reason) = tails[Int.random(in: 0..<tails.count, using: &random)]
            return (.sequence([tree, .raw(Array(tail.utf8))]), reason)
        }
    }

    /// Whether `JSONSerialization` parses the document, or refuses it only for a number beyond `Double`
    /// (such as `150e851`: valid JSON, whose range RFC 8259 section 6 leaves to each implementation).
    static func foundationParses(_ bytes: [UInt8]) -> Bool {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            return true
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            return detail.hasPrefix("Number ") && detail.hasSuffix(" is not representable in Swift.")
        }
    }

    /// Up to 2,000 bytes of a document (every fixture fits), for a failure message.
    static func show(_ bytes: [UInt8]) -> String {
        "(\(bytes.count) bytes) " + String(decoding: bytes.prefix(2_000), as: UTF8.self).debugDescription
    }
}
