import Dispatch
import Testing
@testable import Recommender

/// A scratch object that a pool hands from thread to thread (the pattern of the HNSW search pool).
private final class Scratch: @unchecked Sendable {
    var uses = 0
}

@Suite struct LockedTests {
    /// Many threads take a scratch from a locked pool, change it outside the lock and give it back:
    /// no update is lost and no scratch is handed to two threads at once. Under ThreadSanitizer
    /// (`scripts/tsan.sh`) this is also the case that `Synchronization.Mutex` gets reported for.
    @Test func poolHandsEachScratchToOneThreadAtATime() {
        let pool = Locked<[Scratch]>([])
        let made = Locked(0)
        let inUse = Locked(Set<ObjectIdentifier>()), sharedHandOuts = Locked(0)
        let iterations = 20_000
        DispatchQueue.concurrentPerform(iterations: iterations) { _ in
            let scratch = pool.withLock { $0.popLast() } ?? {
                made.withLock { $0 += 1 }
                return Scratch()
            }()
            let fresh = inUse.withLock { $0.insert(ObjectIdentifier(scratch)).inserted }
            if !fresh { sharedHandOuts.withLock { $0 += 1 } }
            scratch.uses += 1
            inUse.withLock { _ = $0.remove(ObjectIdentifier(scratch)) }
            pool.withLock { $0.append(scratch) }
        }
        let scratches = pool.withLock { $0 }
        #expect(scratches.count == made.withLock { $0 })
        #expect(scratches.reduce(0) { $0 + $1.uses } == iterations)
        #expect(inUse.withLock { $0.isEmpty })
        #expect(sharedHandOuts.withLock { $0 } == 0)
    }

    @Test func withLockReturnsAndRethrows() {
        struct Refused: Error {}
        let counter = Locked(41)
        #expect(counter.withLock { value -> Int in value += 1; return value } == 42)
        #expect(throws: Refused.self) { try counter.withLock { _ in throw Refused() } }
        // A throwing body still unlocks: the next call does not wait forever.
        #expect(counter.withLock { $0 } == 42)
    }
}
