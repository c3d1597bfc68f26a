import Foundation
import Testing

@testable import Policy

/// `FileStatus` (stat and fstat through the CFileStatus C module) and `RegularFile`, which refuses
/// what is not a regular file of at most the given size.
@Suite("File status")
struct FileStatusTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("file-status-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    @Test("kind and size of a regular file, a directory and a device; a missing path is nil")
    func kinds() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.yaml")
        try Data(repeating: 0x61, count: 1234).write(to: file)
        let status = try #require(FileStatus.of(path: file.path))
        #expect(status.kind == .regular)
        #expect(status.size == 1234)
        #expect(FileStatus.of(path: directory.path)?.kind == .directory)
        #expect(FileStatus.of(path: "/dev/null")?.kind == .other)
        #expect(FileStatus.of(path: directory.appendingPathComponent("missing").path) == nil)
        #expect(FileStatus.of(descriptor: -1) == nil)
    }

    @Test("a symbolic link is followed; an open descriptor and its path are the same file until a rename")
    func identity() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("audit.jsonl")
        try Data("x\n".utf8).write(to: file)
        let link = directory.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: file)
        let handle = try FileHandle(forReadingFrom: file)
        defer { try? handle.close() }
        let open = try #require(FileStatus.of(descriptor: handle.fileDescriptor))
        #expect(try #require(FileStatus.of(path: file.path)).isSameFile(as: open))
        #expect(try #require(FileStatus.of(path: link.path)).isSameFile(as: open))
        #expect(FileStatus.of(path: link.path)?.kind == .regular)
        // Log rotation: the file renamed, a new one created under the old name.
        try FileManager.default.moveItem(at: file, to: directory.appendingPathComponent("audit.jsonl.1"))
        try Data().write(to: file)
        #expect(try #require(FileStatus.of(path: file.path)).isSameFile(as: open) == false)
    }

    @Test("RegularFile reads a regular file within the limit and refuses the others with their reason")
    func regularFile() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.yaml")
        try Data("accounts: {}\n".utf8).write(to: file)
        #expect(try RegularFile.contents(atPath: file.path, maxBytes: 100).get() == Data("accounts: {}\n".utf8))
        #expect(RegularFile.contents(atPath: file.path, maxBytes: 5) == .failure(.tooLarge(size: 13, limit: 5)))
        #expect(RegularFile.contents(atPath: directory.path, maxBytes: 100) == .failure(.notRegular))
        #expect(RegularFile.contents(atPath: "/dev/zero", maxBytes: 100) == .failure(.notRegular))
        guard case .failure(.unreadable(let reason)) = RegularFile.contents(atPath: "/nonexistent/x", maxBytes: 9)
        else {
            Issue.record("a missing file is unreadable")
            return
        }
        #expect(reason.contains("No such file"))
    }
}
