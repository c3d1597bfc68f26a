internal import CFileStatus

/// What the system says about a file (`stat(2)` or `fstat(2)`): its kind, size and identity.
///
/// Read through the `CFileStatus` C module rather than Swift's view of `struct stat`, whose defining
/// module (Glibc, CoreFoundation, CDispatch…) varies between builds and breaks `MemberImportVisibility`.
package struct FileStatus: Sendable, Equatable {
    /// The kinds of file the configuration and audit code tell apart.
    package enum Kind: Sendable, Equatable {
        case regular
        case directory
        /// A device, FIFO, socket or anything else.
        case other
    }

    package var kind: Kind
    /// The size in bytes.
    package var size: Int64
    /// The device and inode: equal for two names of one file, different after a rename and a new file.
    package var device: UInt64
    package var inode: UInt64

    /// The status of the file at `path`, symbolic links followed; `nil` with `errno` set when it fails.
    package static func of(path: String) -> FileStatus? {
        var status = c_file_status()
        guard c_file_status_of_path(path, &status) == 0 else { return nil }
        return FileStatus(status)
    }

    /// The status of an open file descriptor; `nil` with `errno` set when it fails.
    package static func of(descriptor: Int32) -> FileStatus? {
        var status = c_file_status()
        guard c_file_status_of_descriptor(descriptor, &status) == 0 else { return nil }
        return FileStatus(status)
    }

    /// Whether `other` is the same file (device and inode).
    package func isSameFile(as other: FileStatus) -> Bool {
        device == other.device && inode == other.inode
    }

    private init(_ status: c_file_status) {
        switch status.kind {
        case 1: kind = .regular
        case 2: kind = .directory
        default: kind = .other
        }
        size = status.size
        device = status.device
        inode = status.inode
    }
}
