/// Pages and archive entries loaded so far, shared by the worker threads and read by the progress line.
import Foundation

final class LoadCounter: @unchecked Sendable {  // every access goes through `lock`
    private let lock = NSLock()
    private var _pages = 0
    private var _entries = 0
    /// Where this file's counts are added up too (the run's counter, for a per-file counter).
    private let parent: LoadCounter?

    init(parent: LoadCounter? = nil) { self.parent = parent }

    /// The counter of the file being loaded on this thread: the PDF and zip readers add each page and entry as they
    /// read it, so the progress line moves during one long file, not only when it is done. A task-local bound in
    /// `IngestPipeline.processFile` (outside a task, Swift keeps it per thread), so loaders need no extra parameter.
    @TaskLocal static var current: LoadCounter?

    func add(pages: Int, entries: Int) {
        lock.withLock {
            _pages += pages
            _entries += entries
        }
        parent?.add(pages: pages, entries: entries)
    }

    var pages: Int { lock.withLock { _pages } }
    var entries: Int { lock.withLock { _entries } }
}
