/// Synchronous callers (the `Embedder` protocol, the ingest loop, server start-up) waiting for async HTTP work.
import Dispatch
import Foundation

/// Runs async work and blocks the calling thread until it is done.
///
/// The work runs on threads of its own (a task executor over a Dispatch queue), not on Swift's cooperative pool:
/// that pool has one thread per core, and a caller blocking one of them (an async command that runs the
/// synchronous ingest) could otherwise starve the very work it waits for on a small machine.
public enum BlockingBridge {
    static let executor = DispatchTaskExecutor()

    public static func wait<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let semaphore = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        Task(executorPreference: executor) {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            semaphore.signal()
        }
        semaphore.wait()
        return try box.result!.get()
    }

    /// Written by the task before it signals, read by the caller after waiting: the semaphore orders the two.
    private final class ResultBox<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}

/// A task executor whose jobs run on a concurrent Dispatch queue (threads outside the cooperative pool).
final class DispatchTaskExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "rag.remote-io", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
