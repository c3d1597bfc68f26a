package import Foundation

/// Reads a file a configuration names — the configuration itself, a secret, a session policy — only
/// when it is a regular file (or a symbolic link to one, as Kubernetes mounts ConfigMaps and Secrets)
/// of at most a given size: a device or a FIFO named by mistake (`/dev/zero`, `/dev/stdin`) then fails
/// the load with a sentence instead of stalling it or filling memory.
package enum RegularFile {
    /// Why a file was not read.
    package enum Problem: Error, Sendable, Equatable {
        /// It cannot be opened or read (the system's reason).
        case unreadable(String)
        /// It is a directory, device, FIFO or socket.
        case notRegular
        /// It is larger than allowed.
        case tooLarge(size: Int64, limit: Int)

    }

    /// The contents of the file at `path`, at most `maxBytes` long.
    package static func contents(atPath path: String, maxBytes: Int) -> Result<Data, Problem> {
        guard let info = FileStatus.of(path: path) else {
            return .failure(.unreadable(String(cString: strerror(errno))))
        }
        guard info.kind == .regular else { return .failure(.notRegular) }
        guard info.size <= Int64(maxBytes) else { return .failure(.tooLarge(size: info.size, limit: maxBytes)) }
        guard let data = FileManager.default.contents(atPath: path) else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
            close(descriptor)
            return .failure(.unreadable("it is not readable"))
        }
        // The file may have grown since stat.
        guard data.count <= maxBytes else { return .failure(.tooLarge(size: Int64(data.count), limit: maxBytes)) }
        return .success(data)
    }
}
