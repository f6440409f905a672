/// Pages and archive entries loaded so far, shared by the worker threads and read by the progress line.
import Foundation

final class LoadCounter: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var _pages = 0
    private var _entries = 0

    func add(pages: Int, entries: Int) {
        lock.lock(); defer { lock.unlock() }
        _pages += pages
        _entries += entries
    }

    var pages: Int { lock.lock(); defer { lock.unlock() }; return _pages }
    var entries: Int { lock.lock(); defer { lock.unlock() }; return _entries }
}
