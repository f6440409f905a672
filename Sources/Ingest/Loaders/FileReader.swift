/// Reads a file's bytes for the loaders, turning every way a path can fail into one clear `RAGError`.
#if canImport(Glibc)
import RAGCore
import Glibc
private let systemRead = Glibc.read
#elseif canImport(Darwin)
import Darwin
private let systemRead = Darwin.read
#endif

public enum FileReader {
    /// The whole file at `path`.
    /// - Throws: `RAGError` `.notFound` (ENOENT, a dangling symlink), `.unreadable` (permission denied, a
    ///   directory, a symlink loop, not a regular file, an I/O error), `.tooLarge` (over `maxBytes`).
    public static func read(path: String, maxBytes: Int = 1 << 31) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw error(errno, path: path, doing: "open") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw error(errno, path: path, doing: "stat") }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw RAGError(.unreadable, path: path, reason: "is a directory, not a file")
        }
        if (st.st_mode & S_IFMT) != S_IFREG {
            throw RAGError(.unreadable, path: path, reason: "not a regular file (device, socket or pipe)")
        }
        let size = Int(st.st_size)
        if size > maxBytes {
            throw RAGError(.tooLarge, path: path, reason: "file too large (\(size) bytes, limit \(maxBytes))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw error(errno, path: path, doing: "read")
            }
            if n == 0 { break }  // the file shrank while we read it
            done += n
        }
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    private static func error(_ code: Int32, path: String, doing: String) -> RAGError {
        let text = String(cString: strerror(code))
        let underlying = SystemCallError(errno: code, operation: doing)
        switch code {
        case ENOENT: return RAGError(.notFound, path: path, reason: "no such file (\(text))", underlying: underlying)
        case ELOOP: return RAGError(.unreadable, path: path, reason: "symlink loop (\(text))", underlying: underlying)
        case EACCES, EPERM: return RAGError(.unreadable, path: path, reason: "permission denied (\(text))", underlying: underlying)
        default: return RAGError(.unreadable, path: path, reason: "cannot \(doing): \(text)", underlying: underlying)
        }
    }
}

/// The system call and errno behind a file error.
public struct SystemCallError: Error, Sendable {
    public let errno: Int32
    public let operation: String
}
