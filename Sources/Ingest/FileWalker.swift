/// Expands the paths given to `rag ingest` into the files to read, reporting missing paths, symlink loops and links
/// that lead out of the folders given.
import Foundation
import RAGCore

public struct WalkedFile: Sendable {
    public var path: String
    public var size: Int64
    public var mtime: Double
}

public struct FileWalker: Sendable {
    /// Follow symbolic links inside the folders even when they lead outside them (`--follow-symlinks`). Off by
    /// default: `docs/link.txt → ../outside/secret.txt` must not put a file nobody pointed at into an index.
    public var followSymlinks: Bool

    public init(followSymlinks: Bool = false) {
        self.followSymlinks = followSymlinks
    }

    /// Files under `roots` (each a file or a directory), in a stable order, plus one problem per path that cannot be read.
    public func walk(_ roots: [String]) -> (files: [WalkedFile], problems: [RAGError]) {
        var files: [WalkedFile] = []
        var problems: [RAGError] = []
        var seenDirs = Set<DirID>()
        var seenFiles = Set<String>()
        // Where the given folders really are: a link found inside them may lead anywhere below one of these.
        let realRoots = roots.compactMap { Self.realPath(Self.normalise($0)) }
        for root in roots {
            let path = Self.normalise(root)
            var st = stat()
            guard stat(path, &st) == 0 else {
                problems.append(Self.statProblem(path, errno))
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                walkDirectory(path, realRoots, &files, &problems, &seenDirs, &seenFiles)
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                if seenFiles.insert(path).inserted { files.append(WalkedFile(path: path, size: Int64(st.st_size), mtime: Self.mtime(st))) }
            } else {
                problems.append(RAGError(.unreadable, path: path, reason: "not a regular file or directory"))
            }
        }
        return (files, problems)
    }

    struct DirID: Hashable { var dev: UInt64; var ino: UInt64 }

    private func walkDirectory(_ root: String, _ realRoots: [String], _ files: inout [WalkedFile], _ problems: inout [RAGError],
                               _ seenDirs: inout Set<DirID>, _ seenFiles: inout Set<String>) {
        // Iterative depth-first walk: deep trees cannot overflow the stack, and directories reached twice
        // (a symlink back up the tree) are walked once.
        var stack = [root]
        while let dir = stack.popLast() {
            var st = stat()
            guard stat(dir, &st) == 0 else { problems.append(Self.statProblem(dir, errno)); continue }
            guard seenDirs.insert(DirID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))).inserted else {
                problems.append(RAGError(.symlinkLoop, path: dir, reason: "symlink loop: this folder was already walked, skipped"))
                continue
            }
            guard let handle = opendir(dir) else { problems.append(Self.statProblem(dir, errno)); continue }
            var names: [String] = []
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name.hasPrefix(".") { continue }  // ., .., and hidden files such as .git
                names.append(name)
            }
            closedir(handle)
            var subdirs: [String] = []
            for name in names.sorted() {
                let child = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                var lst = stat()
                if !followSymlinks, lstat(child, &lst) == 0, (lst.st_mode & S_IFMT) == S_IFLNK {
                    guard let target = Self.realPath(child) else {
                        problems.append(Self.statProblem(child, errno))
                        continue
                    }
                    guard Self.isVisible(target, under: realRoots) else {
                        problems.append(RAGError(.outsideRoots, path: child, reason:
                            "symbolic link to \(target), outside the folders given (or hidden), skipped; --follow-symlinks follows it"))
                        continue
                    }
                }
                var cst = stat()
                if stat(child, &cst) != 0 {
                    problems.append(Self.statProblem(child, errno))
                    continue
                }
                switch cst.st_mode & S_IFMT {
                case S_IFDIR: subdirs.append(child)
                case S_IFREG:
                    // Inside folders only supported formats are read; a file named on the command line is always tried.
                    guard FormatDetector.isSupported(path: name) else { continue }
                    if seenFiles.insert(child).inserted {
                        files.append(WalkedFile(path: child, size: Int64(cst.st_size), mtime: Self.mtime(cst)))
                    }
                default: continue
                }
            }
            stack.append(contentsOf: subdirs.reversed())
        }
    }

    static func statProblem(_ path: String, _ err: Int32) -> RAGError {
        switch err {
        case ENOENT: return RAGError(.notFound, path: path, reason: "no such file or directory")
        case ELOOP: return RAGError(.symlinkLoop, path: path, reason: "symlink loop (too many levels of symbolic links)")
        case EACCES: return RAGError(.permissionDenied, path: path, reason: "permission denied")
        default: return RAGError(.unreadable, path: path, reason: String(cString: strerror(err)))
        }
    }

    /// The absolute path with every link resolved, or nil (errno set) when it cannot be resolved.
    static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// True when `target` lies below one of `roots` and no folder or file between the root and it is hidden.
    static func isVisible(_ target: String, under roots: [String]) -> Bool {
        for root in roots {
            let prefix = root.hasSuffix("/") ? root : root + "/"
            guard target == root || target.hasPrefix(prefix) else { continue }
            let rest = target.dropFirst(min(prefix.count, target.count))
            if !rest.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return true }
        }
        return false
    }

    static func mtime(_ st: stat) -> Double {
        Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
    }

    /// "./docs//a.md" → "docs/a.md"; the stored path is the one the user gave, tidied.
    public static func normalise(_ path: String) -> String {
        var p = path
        while p.contains("//") { p = p.replacingOccurrences(of: "//", with: "/") }
        while p.hasPrefix("./") && p.count > 2 { p.removeFirst(2) }
        if p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
