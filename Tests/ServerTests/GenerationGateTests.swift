/// The bounded generation queue: at most `concurrency` run, at most `maxQueued` wait, a full queue refuses at once,
/// and a waiter that is cancelled gives its place back.
import Foundation
import RAGCore
@testable import Server
import Testing

struct GenerationGateTests {
    /// Polls `condition` for up to two seconds (the gate resumes waiters on other threads).
    func eventually(_ condition: @Sendable () -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    @Test func atMostConcurrencyGenerationsRunAndAReleaseStartsTheNext() async throws {
        let gate = GenerationGate(concurrency: 2, maxQueued: 4)
        let a = try gate.admit(), b = try gate.admit(), c = try gate.admit()
        try await a.start()
        try await b.start()
        let started = SetOnceFlag()
        let waiter = Task {
            try await c.start()
            started.set()
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(!started.isSet, "a third generation started while two were running")
        #expect(gate.depth == 1)
        a.release()
        #expect(try await eventually { started.isSet })
        try await waiter.value
        #expect(gate.depth == 0)
        b.release()
        c.release()
    }

    @Test func aFullQueueRefusesWithBusy() throws {
        let gate = GenerationGate(concurrency: 1, maxQueued: 2)
        let held = try (0..<3).map { _ in try gate.admit() }
        #expect(gate.depth == 3)
        do {
            _ = try gate.admit()
            Issue.record("a fourth request was admitted to a gate of 1 running + 2 queued")
        } catch let e as APIError {
            #expect(e.code == .busy)
            #expect(e.status == .serviceUnavailable)
            #expect(e.headers[.retryAfter] == "1")
        }
        held[0].release()
        _ = try gate.admit()  // the released place is free again
    }

    @Test func aCancelledWaiterGivesItsPlaceBack() async throws {
        let gate = GenerationGate(concurrency: 1, maxQueued: 1)
        let running = try gate.admit()
        try await running.start()
        let queued = try gate.admit()
        #expect(throws: APIError.self) { try gate.admit() }
        let waiter = Task {
            defer { queued.release() }  // as the routes do
            try await queued.start()
        }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(gate.depth == 0)
        let next = try gate.admit()  // the cancelled request's place is free
        running.release()
        try await next.start()
        next.release()
    }

    @Test func aDroppedTicketIsReleased() throws {
        let gate = GenerationGate(concurrency: 1, maxQueued: 0)
        do { _ = try gate.admit() }  // never started, never released: deinit gives the place back
        #expect(gate.depth == 0)
        let t = try gate.admit()
        t.release()
    }
}
