import Foundation
import Synchronization
import Testing
@testable import Recommender

/// Counts visits per index; each index is written by one chunk or task only.
private final class VisitLog: Sendable {
    let counts: SharedSlots<Int>
    init(count: Int) { counts = SharedSlots(count: count, initial: 0) }
}

@Suite struct ComputePoolTests {
    @Test(arguments: [1, 2, 3, 64])
    func staticChunksCoverEveryIndexOnceWithFixedBoundaries(threads: Int) {
        let count = 1_003, chunks = 7
        let log = VisitLog(count: count)
        let ranges = SharedSlots<Range<Int>>(count: chunks, initial: 0..<0)
        ComputePool.forEachChunk(count: count, chunks: chunks, threads: threads) { c, range in
            ranges.set(c, range)
            for i in range { log.counts.set(i, log.counts.value(at: i) + 1) }
        }
        #expect(log.counts.values == [Int](repeating: 1, count: count))
        // Boundaries depend on count and chunks only.
        #expect(ranges.values == (0..<chunks).map { (count * $0 / chunks)..<(count * ($0 + 1) / chunks) })
    }

    @Test(arguments: [1, 2, 3])
    func dynamicChunksCoverEveryIndexOnceWithPerWorkerScratch(threads: Int) {
        let count = 1_000
        let log = SharedSlots<Int>(count: count, initial: 0)
        let setups = Atomic<Int>(0)
        ComputePool.forEachChunk(count: count, chunkSize: 37, threads: threads, setup: { () -> [Int] in
            setups.add(1, ordering: .relaxed)
            return []
        }) { scratch, range in
            #expect(range.count <= 37 && (range.lowerBound % 37 == 0))
            scratch.append(range.lowerBound)  // scratch is private to its worker
            for i in range { log.set(i, i * 2) }
        }
        #expect(log.values == (0..<count).map { $0 * 2 })
        let s = setups.load(ordering: .relaxed)
        #expect(s >= 1 && s <= max(1, min(threads, Parallelism.availableCores)), "\(s) setups")
    }

    @Test func emptyLoopsRunNothing() {
        let ran = Atomic<Int>(0)
        ComputePool.forEachChunk(count: 0, chunkSize: 8, threads: 3, setup: { 0 }) { _, _ in ran.add(1, ordering: .relaxed) }
        ComputePool.forEachChunk(count: 0, chunks: 4, threads: 3) { _, range in #expect(range.isEmpty) }
        #expect(ran.load(ordering: .relaxed) == 0)
    }

    @Test(arguments: [1, 2, 3])
    func teamRunsEveryTaskOfEveryPhaseExactlyOnce(threads: Int) {
        let tasks = 5, phases = 3_000
        // Task t writes only slots t (count) and tasks + t (checksum): disjoint memory.
        let log = SharedSlots<Int>(count: 2 * tasks, initial: 0)
        let team = ComputeTeam(threads: threads)
        #expect(team.threadCount == max(1, min(threads, Parallelism.availableCores)))
        for phase in 0..<phases {
            team.run(tasks: tasks) { t in
                var s = 0
                for k in 0..<(100 * (t + 1)) { s &+= k &* (phase % 3 + 1) }
                log.set(t, log.value(at: t) + 1)
                log.set(tasks + t, log.value(at: tasks + t) &+ s)
            }
        }
        team.shutDown()
        team.shutDown()  // idempotent
        var expected = [Int](repeating: 0, count: tasks)
        for phase in 0..<phases { for t in 0..<tasks {
            var s = 0
            for k in 0..<(100 * (t + 1)) { s &+= k &* (phase % 3 + 1) }
            expected[t] &+= s
        } }
        #expect(Array(log.values[0..<tasks]) == [Int](repeating: phases, count: tasks))
        #expect(Array(log.values[tasks...]) == expected)
        // After shutDown, phases still run (on the calling thread).
        var after = 0
        team.run(tasks: 3) { _ in after += 1 }
        #expect(after == 3)
    }

    /// The calling thread runs task 0 of every phase (a member of a two-task kernel stays on its core).
    @Test func theCallingThreadRunsTaskZero() {
        let team = ComputeTeam(threads: 2)
        let caller = pthread_self()
        let onCaller = SharedSlots<Int>(count: 2, initial: 0)
        for _ in 0..<500 {
            team.run(tasks: 2) { t in
                if pthread_equal(pthread_self(), caller) != 0 { onCaller.set(t, onCaller.value(at: t) + 1) }
            }
        }
        team.shutDown()
        #expect(onCaller.value(at: 0) == 500)
    }

    @Test func teamsAreReleasedWithoutShutDown() {
        for _ in 0..<20 {
            let team = ComputeTeam(threads: 2)
            team.run(tasks: 2) { _ in }
        }
    }

    @Test func sharedSlotsHoldValuesInOrder() {
        let slots = SharedSlots<[Int]>(count: 100, initial: [])
        ComputePool.forEachChunk(count: 100, chunks: 10, threads: 3) { _, range in
            for i in range { slots.set(i, [i, i + 1]) }
        }
        #expect(slots.values == (0..<100).map { [$0, $0 + 1] })
    }
}
