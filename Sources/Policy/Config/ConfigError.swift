/// A position in a configuration file.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// The file path as given (or `<string>`).
    public var file: String
    /// 1-based line; 0 for the file as a whole (it cannot be read).
    public var line: Int
    /// 1-based column.
    public var column: Int

    /// Creates a position.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or the file alone for a problem with the whole file.
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One problem in a configuration file: where, and a sentence that says how to fix it.
public struct ConfigIssue: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var position: SourcePosition
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an issue.
    public init(position: SourcePosition, message: String) {
        self.position = position
        self.message = message
    }

    public var description: String { "\(position): \(message)" }
}

/// A configuration that cannot be used. Every problem found is listed, first one first.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in file order.
    public var issues: [ConfigIssue]

    /// Creates an error from one or more problems.
    public init(_ issues: [ConfigIssue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
