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
        var info = stat()
        guard stat(path, &info) == 0 else { return .failure(.unreadable(String(cString: strerror(errno)))) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegular) }
        guard Int64(info.st_size) <= Int64(maxBytes) else {
            return .failure(.tooLarge(size: Int64(info.st_size), limit: maxBytes))
        }
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
