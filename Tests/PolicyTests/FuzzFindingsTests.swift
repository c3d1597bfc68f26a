import AuthzServer
import Policy
import Testing

/// What fuzzing the configuration loader found (Fuzz/Sources/FuzzConfigLoader, "two loads differ"):
/// a mapping whose duplicated keys include a non-scalar key (`? [x]`) is refused with a sentence, and a
/// position, that change from one load to the next. Yams sorts the duplicated keys with Node's `<`, which
/// is not a total order across scalars and collections, so the order (and the first key, whose mark is
/// the position) follows the Dictionary's per-instance hash order. YAMLReader now reports that case (a
/// list or mapping as a key, never a configuration's) with one fixed sentence at 1:1.
@Suite("Fuzz findings: configuration loader")
struct ConfigFuzzFindingsTests {
    @Test("the refusal of duplicated keys is the same on every load")
    func duplicatedKeysAreReportedTheSameWay() {
        let yaml = "a: 1\n? [x]\n: 2\nb: 1\na: 3\n? [x]\n: 4\nb: 2\nc: 1\nc: 2\n"
        var sentences: Set<String> = []
        // Allocations kept between loads, so that each load's dictionaries live at other addresses
        // (Swift seeds a dictionary's hash order with its storage's address).
        var kept: [[UInt8]] = []
        for index in 0..<20 {
            kept.append([UInt8](repeating: 0, count: 48 * (index + 1)))
            do {
                _ = try ConfigurationFile.parse(yaml, path: "c.yaml")
                Issue.record("accepted")
            } catch {
                sentences.insert(error.issues.map(\.description).joined(separator: "\n"))
            }
        }
        // One sentence, the same every time (it failed about four runs in five before).
        #expect(sentences.count == 1, "\(sentences.sorted())")
        #expect(
            sentences == [
                "c.yaml:1:1: YAML syntax: a key that is a list or a mapping appears twice in the same mapping (and the key 'a', 'b', 'c'); configuration keys are plain names"
            ], "\(sentences.sorted())")
        #expect(kept.count == 20)
    }
}
