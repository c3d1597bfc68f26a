internal import AuthzCore
internal import Foundation
package import Logging
internal import SigV4

/// Process logs as JSON lines on standard error — the same form as audit records, with `level` and
/// `msg` — so one collector reads both. Metadata values are written as strings.
package struct JSONLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .info
    let label: String

    /// Creates a handler for `label`.
    package init(label: String) { self.label = label }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = self.metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var line =
            "{\"time\":"
            + JSONText.quoted(UTCTime.rfc3339(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000)))
        line += ",\"level\":" + JSONText.quoted(event.level.rawValue)
        line += ",\"msg\":" + JSONText.quoted("\(event.message)")
        line += ",\"logger\":" + JSONText.quoted(label)
        for key in fields.keys.sorted() where !["time", "level", "msg", "logger"].contains(key) {
            line += "," + JSONText.quoted(key) + ":" + JSONText.quoted("\(fields[key] ?? "")")
        }
        line += "}\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
