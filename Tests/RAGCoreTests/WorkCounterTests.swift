/// The work counter shared by encoder threads and benchmark clients: every number below the limit exactly once.
import Dispatch
import RAGCore
import Testing

@Suite struct WorkCounterTests {
    @Test func concurrentTakersGetEveryNumberOnce() {
        let counter = WorkCounter()
        let limit = 10_000
        let taken = UnsafeMutableBufferPointer<Int32>.allocate(capacity: limit)
        taken.initialize(repeating: 0)
        defer { taken.deallocate() }
        nonisolated(unsafe) let slots = taken
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            while let i = counter.take(below: limit) { slots[i] += 1 }
        }
        #expect(taken.allSatisfy { $0 == 1 })
        #expect(counter.take(below: limit) == nil)
    }
}
