internal import Foundation
internal import Yams

/// A node of a configuration file's YAML tree, with the file it is in, for positions.
///
/// The readers of every section — the policy's here, the server's in AuthzServer — walk these, so
/// only this file knows the YAML library.
package struct YAMLNode {
    let node: Node
    /// The file the node is in (or `<string>`).
    package let file: String

    init(_ node: Node, file: String) {
        self.node = node
        self.file = file
    }

    /// Where the node starts (1-based line and column).
    package var position: SourcePosition {
        let mark = node.mark
        return SourcePosition(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0)
    }

    /// The text of a scalar; `nil` for a mapping or a sequence.
    package var scalar: String? { node.scalar?.string }

    /// The items of a sequence; `nil` for a scalar or a mapping.
    package var sequence: [YAMLNode]? { node.sequence.map { $0.map { YAMLNode($0, file: file) } } }

    /// The pairs of a mapping, in file order; `nil` for a scalar or a sequence.
    package var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        node.mapping.map { $0.map { (YAMLNode($0.key, file: file), YAMLNode($0.value, file: file)) } }
    }
}

/// Reads a configuration file's YAML into its root node; syntax errors carry their positions.
package enum YAMLDocument {
    /// The root of the file at `path`.
    package static func read(path: String) throws(ConfigError) -> YAMLNode {
        let data: Data
        switch RegularFile.contents(atPath: path, maxBytes: maxFileBytes) {
        case .success(let contents): data = contents
        case .failure(let problem):
            let reason =
                switch problem {
                case .unreadable(let reason): reason
                case .notRegular: "it is not a readable regular file"
                case .tooLarge(let size, let limit):
                    "it has \(size) bytes; a configuration file may have at most \(limit)"
                }
            throw ConfigError([
                ConfigIssue(
                    position: SourcePosition(file: path, line: 0, column: 0), message: "cannot read the file: \(reason)"
                )
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError([
                ConfigIssue(
                    position: SourcePosition(file: path, line: 1, column: 1), message: "the file is not UTF-8 text")
            ])
        }
        return try parse(text, path: path)
    }

    /// The largest configuration file read: 16 MiB.
    package static let maxFileBytes = 16 << 20

    /// The root of configuration text; `path` is used in positions.
    package static func parse(_ text: String, path: String) throws(ConfigError) -> YAMLNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError([inside(issue(error, file: path), text)])
        } catch {
            throw ConfigError([
                ConfigIssue(position: SourcePosition(file: path, line: 1, column: 1), message: "\(error)")
            ])
        }
        guard let root else {
            throw ConfigError([
                ConfigIssue(
                    position: SourcePosition(file: path, line: 1, column: 1),
                    message: "the file is empty; write at least 'default: deny'")
            ])
        }
        return YAMLNode(root, file: path)
    }

    /// `issue` with its position moved inside `text`: libyaml places an error at the end of text without
    /// a final line break on the line after it (where that break would end), which is no line of the
    /// file; it becomes the end of the last line. (Lines end as YAML's do: LF, CRLF, CR, NEL, LS, PS.)
    static func inside(_ issue: ConfigIssue, _ text: String) -> ConfigIssue {
        var lines = 1
        var lastLineLength = 0
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n" where previousWasCR:
                previousWasCR = false
            case "\r", "\n", "\u{85}", "\u{2028}", "\u{2029}":
                lines += 1
                lastLineLength = 0
                previousWasCR = scalar == "\r"
            default:
                lastLineLength += 1
                previousWasCR = false
            }
        }
        guard issue.position.line > lines else { return issue }
        var moved = issue
        moved.position.line = lines
        moved.position.column = lastLineLength + 1
        return moved
    }

    static func issue(_ error: YamlError, file: String) -> ConfigIssue {
        func issue(_ mark: Mark, _ problem: String) -> ConfigIssue {
            ConfigIssue(
                position: SourcePosition(file: file, line: mark.line, column: mark.column),
                message: "YAML syntax: \(problem)")
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return issue(mark, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams names the duplicated keys in its own order and marks the first: a total order among
            // plain keys, but not when a key is a list or a mapping (`? [x]`), whose order then follows
            // hashing and changes from load to load. Such keys are never a configuration's: that case
            // is reported the same way every time, at the start of the file.
            let complex = "<uncovertable>"
            guard duplicates.contains(complex) else {
                return issue(
                    context.mark,
                    "the key '\(duplicates.joined(separator: "', '"))' appears twice in the same mapping; keep one")
            }
            let plain = duplicates.filter { $0 != complex }.sorted()
            let named = plain.isEmpty ? "" : " (and the key '\(plain.joined(separator: "', '"))')"
            return ConfigIssue(
                position: SourcePosition(file: file, line: 1, column: 1),
                message:
                    "YAML syntax: a key that is a list or a mapping appears twice in the same mapping\(named); configuration keys are plain names"
            )
        default:
            return ConfigIssue(position: SourcePosition(file: file, line: 1, column: 1), message: "YAML: \(error)")
        }
    }
}

/// Walks a configuration file's YAML, collecting every problem with its position: the shapes every
/// section's reader uses (mappings with known keys, strings, booleans, lists, numbers, durations).
package struct ConfigReader {
    /// The file being read.
    package let file: String
    /// The problems found so far, in the order they were found.
    package private(set) var issues: [ConfigIssue] = []

    /// Creates a reader for `file`.
    package init(file: String) { self.file = file }

    /// Records a problem at `node`.
    package mutating func fail(_ node: YAMLNode, _ message: String) {
        issues.append(ConfigIssue(position: node.position, message: message))
    }

    /// The top-level sections of a file, in file order; unknown keys are reported.
    package mutating func sections(
        _ root: YAMLNode, allowed: [String]
    ) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard let pairs = mapping(root, "the configuration") else { return [] }
        checkKeys(pairs, allowed: allowed, in: "the top level")
        return pairs
    }

    /// The pairs of a mapping with scalar keys, or `nil` (and an issue) when `node` is not a mapping.
    package mutating func mapping(
        _ node: YAMLNode, _ what: String
    ) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)]? {
        guard let mapping = node.mapping else {
            fail(node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var pairs: [(String, YAMLNode, YAMLNode)] = []
        for (key, value) in mapping {
            guard let name = key.scalar else {
                fail(key, "\(what) keys must be plain strings")
                continue
            }
            pairs.append((name, key, value))
        }
        return pairs
    }

    /// Reports every key of `pairs` that is not in `allowed`.
    package mutating func checkKeys(
        _ pairs: [(key: String, keyNode: YAMLNode, value: YAMLNode)], allowed: [String], in what: String
    ) {
        for pair in pairs where !allowed.contains(pair.key) {
            fail(
                pair.keyNode,
                "unknown key '\(pair.key)' in \(what); expected one of: \(allowed.joined(separator: ", "))")
        }
    }

    /// A non-empty scalar.
    package mutating func string(_ node: YAMLNode, _ what: String) -> String? {
        guard let scalar = node.scalar, !scalar.isEmpty else {
            fail(node, "\(what) must be a non-empty string")
            return nil
        }
        return scalar
    }

    /// `true` or `false`.
    package mutating func bool(_ node: YAMLNode, _ what: String) -> Bool? {
        guard let scalar = node.scalar, ["true", "false"].contains(scalar) else {
            fail(node, "\(what) must be true or false")
            return nil
        }
        return scalar == "true"
    }

    /// A string or a list of strings.
    package mutating func strings(_ node: YAMLNode, _ what: String) -> [(String, YAMLNode)]? {
        if let scalar = node.scalar {
            guard !scalar.isEmpty else {
                fail(node, "\(what) must not be empty")
                return nil
            }
            return [(scalar, node)]
        }
        guard let sequence = node.sequence else {
            fail(node, "\(what) must be a string or a list of strings")
            return nil
        }
        guard !sequence.isEmpty else {
            fail(node, "\(what) is an empty list; remove it or list at least one value")
            return nil
        }
        var result: [(String, YAMLNode)] = []
        for item in sequence {
            guard let scalar = item.scalar, !scalar.isEmpty else {
                fail(item, "\(what) must hold only non-empty strings")
                continue
            }
            result.append((scalar, item))
        }
        return result
    }

    /// A whole number in `range`.
    package mutating func wholeNumber(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = node.scalar, let number = Int(text), range.contains(number) else {
            fail(node, "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// A duration such as `30s` or `2m`, in whole seconds within `range`.
    package mutating func wholeSeconds(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int64>) -> Int64? {
        guard let text = node.scalar, let milliseconds = DurationParser.milliseconds(text), milliseconds % 1000 == 0,
            range.contains(milliseconds / 1000)
        else {
            fail(
                node,
                "\(what) must be a duration in whole seconds from \(range.lowerBound)s to \(range.upperBound)s, such as 30s"
            )
            return nil
        }
        return milliseconds / 1000
    }
}
