import Dispatch
import Foundation
import Synchronization

// The library's one compute pool, and the only place that declares `@unchecked Sendable`
// wrappers for parallel work (``UnsafeSendableBox``, ``SharedSlots`` and the state of a ``ComputeTeam``).
// Why each is sound is written on it; every other parallel loop of the library goes through
// ``ComputePool`` or ``ComputeTeam``.
//
// Determinism. Work is always cut into *chunks whose boundaries depend on the data only*, never
// on the thread count; threads merely claim chunks. Whatever thread runs chunk c, it computes
// the same arithmetic, so a caller that writes each output from one chunk, or reduces per-chunk
// partials in chunk order, gets bit-identical results for every thread count. Models pass their
// `threads` option through unchanged; it changes speed, never results (the one exception is
// BPR's documented `hogwild` opt-in).

/// How many threads parallel work uses by default.
///
/// The one rule for the whole library: every `threads` option defaults to
/// ``availableCores`` (all active cores of the machine). Results never depend on it: models cut
/// their work into fixed chunks (see ``ComputePool``), so 1, 2 or 64 threads give the same
/// model bit for bit. The only exception is BPR with `hogwild: true`, an explicit opt-in.
public enum Parallelism {
    /// The number of active processors on this machine (at least 1); the default of every
    /// `threads` option.
    public static var availableCores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// Wraps a value (typically a raw pointer) so it can cross into concurrent closures.
///
/// Sound only where the code guarantees that concurrent chunks touch disjoint memory (or only
/// read shared memory); every use sits next to a ``ComputePool`` loop whose chunks are disjoint.
package struct UnsafeSendableBox<T>: @unchecked Sendable {
    /// The wrapped value.
    package let value: T
    /// Wraps `value`.
    package init(_ value: T) { self.value = value }
}

/// A fixed number of result slots that parallel chunks fill at disjoint positions.
///
/// The slots live in a raw buffer owned by this object, so writers at different indices touch
/// different memory and never access one Swift array concurrently (calling
/// `withUnsafeMutableBufferPointer` on one shared array from several threads is an exclusivity
/// violation even when the slots differ; ThreadSanitizer reports it). Sound as long as each
/// index is written by one chunk at a time and read only after the loop has returned.
package final class SharedSlots<T>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<T>
    /// The number of slots.
    package let count: Int

    /// Creates `count` slots holding `initial`.
    package init(count: Int, initial: T) {
        precondition(count >= 0, "SharedSlots: negative count")
        self.count = count
        base = UnsafeMutablePointer<T>.allocate(capacity: max(count, 1))
        base.initialize(repeating: initial, count: count)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    /// Stores `value` in slot `index` (replacing the old value).
    @inline(__always)
    package func set(_ index: Int, _ value: T) {
        precondition(index >= 0 && index < count, "SharedSlots: index out of range")
        (base + index).pointee = value
    }

    /// The value in slot `index` (for the chunk that owns the slot, or after the loop).
    @inline(__always)
    package func value(at index: Int) -> T {
        precondition(index >= 0 && index < count, "SharedSlots: index out of range")
        return base[index]
    }

    /// The slots, in order (call after the parallel loop has returned).
    package var values: [T] { Array(UnsafeBufferPointer(start: base, count: count)) }
}

/// A chunk counter shared by the threads of one loop.
private final class ChunkCounter: Sendable {
    let next = Atomic<Int>(0)
    /// The next unclaimed chunk below `limit`, or nil when every chunk is taken.
    @inline(__always) func claim(limit: Int) -> Int? {
        let c = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return c < limit ? c : nil
    }
}

/// Parallel loops over fixed chunks: the one compute pool of the library.
///
/// Two shapes cover the library's loops, both on Dispatch's shared threads (woken on demand, idle
/// otherwise); repeated short barrier phases use a ``ComputeTeam`` of persistent spinning workers.
/// - ``forEachChunk(count:chunks:threads:_:)``: `0..<count` cut into `chunks` equal ranges.
/// - ``forEachChunk(count:chunkSize:threads:setup:_:)``: chunks of `chunkSize` handed out
///   dynamically (the next free chunk to the next free thread), with per-thread scratch state;
///   this balances skewed work such as power-law users.
///
/// In both, chunk boundaries depend on `count` and `chunks` / `chunkSize` only; `threads` only
/// bounds how many threads claim them (and is clamped to the machine's cores). With `threads`
/// 1 every chunk runs in order on the calling thread.
package enum ComputePool {
    /// Runs `body(chunk, range)` for each of `chunks` contiguous ranges of `0..<count`
    /// (range `c` is `count·c/chunks ..< count·(c+1)/chunks`), on up to `threads` threads.
    /// - Parameters:
    ///   - count: the number of items.
    ///   - chunks: the number of ranges (at most `count`); fixes the boundaries.
    ///   - threads: the most threads to use (default: one per chunk, up to the cores).
    ///   - body: the work of one range; ranges must write disjoint memory.
    package static func forEachChunk(count: Int, chunks: Int, threads: Int? = nil, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let n = max(1, min(chunks, count))
        let workers = max(1, min(threads ?? n, n, Parallelism.availableCores))
        if workers == 1 {
            for c in 0..<n { body(c, (count * c / n)..<(count * (c + 1) / n)) }
            return
        }
        let counter = ChunkCounter()
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let c = counter.claim(limit: n) { box.value(c, (count * c / n)..<(count * (c + 1) / n)) }
            }
        }
    }

    /// Dynamic scheduling: `0..<count` in chunks of `chunkSize`; each of up to `threads` workers
    /// takes the next free chunk until none is left. `setup` runs once per worker and returns its
    /// scratch state, reused across the chunks it runs.
    /// - Parameters:
    ///   - count: the number of items.
    ///   - chunkSize: items per chunk (the last may be shorter); fixes the boundaries.
    ///   - threads: the most threads to use.
    ///   - setup: creates one worker's scratch state.
    ///   - body: the work of one chunk; chunks must write disjoint memory, and the result must not
    ///     depend on the scratch's history (scratch is a work area, not an accumulator).
    package static func forEachChunk<Scratch>(count: Int, chunkSize: Int, threads: Int, setup: () -> Scratch,
                                              _ body: (inout Scratch, Range<Int>) -> Void) {
        let size = max(1, chunkSize)
        let chunkCount = (count + size - 1) / size
        let workers = max(1, min(threads, chunkCount, Parallelism.availableCores))
        if workers <= 1 {
            guard chunkCount > 0 else { return }
            var s = setup()
            for c in 0..<chunkCount { body(&s, (c * size)..<min(count, (c + 1) * size)) }
            return
        }
        let counter = ChunkCounter()
        withoutActuallyEscaping(setup) { setup in
            withoutActuallyEscaping(body) { body in
                let setupBox = UnsafeSendableBox(setup), bodyBox = UnsafeSendableBox(body)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    guard var c = counter.claim(limit: chunkCount) else { return }
                    var s = setupBox.value()
                    repeat {
                        bodyBox.value(&s, (c * size)..<min(count, (c + 1) * size))
                        guard let next = counter.claim(limit: chunkCount) else { break }
                        c = next
                    } while true
                }
            }
        }
    }
}

/// Persistent worker threads that run many short barrier phases together, for iterative kernels
/// whose phases last a few hundred microseconds (full-batch MF, softmax steps).
///
/// Waking an idle thread costs 100–200 µs on this kind of machine, which would eat such a phase,
/// so the workers spin (then yield, then nap) between phases instead of sleeping. Create a team
/// for one long computation and call ``shutDown()`` when it ends (or let it go: its deinit stops
/// the workers).
///
/// ``run(tasks:_:)`` runs `body(task)` for every task of `0..<tasks` and returns when all are
/// done, which makes every call a barrier. The calling thread runs task 0; the others are
/// *claimed*: the calling thread and the workers take the next unclaimed task until none is left,
/// so when a worker is not running (a busy, shared machine) the calling thread simply claims that
/// worker's share instead of waiting for a descheduled thread. When claimed tasks keep finishing late (a worker preempted in the
/// middle of its task), the team runs the next 256 phases on the calling thread alone. Which
/// thread runs a task never changes what it computes, so results are identical in every case
/// whenever tasks write disjoint memory and partial results are combined in task order.
///
/// Not thread-safe itself: one thread drives the team.
package final class ComputeTeam {
    /// The threads that run phases, the calling thread included (1 to the number of cores).
    package let threadCount: Int
    private let state = TeamState()
    private var issued = 0
    private var phases = 0
    private var serialUntil = 0
    private var lateCount = 0
    private var stopped = false
    /// How many tasks the calling thread ran (tests and diagnostics).
    package private(set) var tasksOnCaller = 0

    /// Starts `threads − 1` worker threads (none when `threads` ≤ 1 or on a one-core machine).
    /// - Parameter threads: the threads to run phases on, the calling thread included; clamped to
    ///   the machine's cores.
    package init(threads: Int) {
        threadCount = max(1, min(threads, Parallelism.availableCores))
        let state = self.state
        state.running.store(threadCount - 1, ordering: .relaxed)
        for _ in 0..<(threadCount - 1) {
            let thread = Thread { state.workerLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    deinit { shutDown() }

    /// Runs `body(task)` for each task of `0..<tasks`, on the team, and waits for all of them.
    /// - Parameters:
    ///   - tasks: the number of tasks (below 2¹⁵).
    ///   - body: the work of one task; tasks must write disjoint memory.
    package func run(tasks: Int, _ body: (Int) -> Void) {
        precondition(tasks >= 0 && tasks < TeamState.maxTasks, "ComputeTeam: task count out of range")
        phases += 1
        guard threadCount > 1, tasks > 1, phases >= serialUntil, !stopped else {
            for t in 0..<tasks { body(t) }
            tasksOnCaller += tasks
            return
        }
        withoutActuallyEscaping(body) { body in
            issued += 1
            let state = self.state
            state.body = body
            state.finished.store(0, ordering: .relaxed)
            // Publish: the release store orders `body` before any worker's claim of this phase. The
            // calling thread keeps task 0 for itself, so that with as many tasks as threads each
            // task runs on the same thread phase after phase (its data stays in that core's cache).
            state.claim.store(TeamState.word(generation: issued, tasks: tasks) | 1, ordering: .releasing)
            state.generation.store(issued, ordering: .releasing)
            let start = DispatchTime.now().uptimeNanoseconds
            body(0)
            var mine = 1
            while let t = state.claimTask(generation: issued) {
                body(t)
                mine += 1
            }
            tasksOnCaller += mine
            let ownWork = DispatchTime.now().uptimeNanoseconds - start
            var spins = 0
            while state.finished.load(ordering: .acquiring) + mine != tasks {
                spins += 1
                if spins > 4000 { sched_yield() }
            }
            let waited = DispatchTime.now().uptimeNanoseconds - start - ownWork
            // A worker preempted in the middle of its task costs a whole scheduler time slice; when
            // that keeps happening, more threads are slower than one: go serial for 256 phases.
            if waited > max(4 * ownWork, 200_000) {
                lateCount += 1
                if lateCount >= 3 { serialUntil = phases + 256; lateCount = 0 }
            } else {
                lateCount = 0
            }
            state.body = nil
        }
    }

    /// Stops the worker threads and waits for them (idempotent). Later phases run on the caller.
    package func shutDown() {
        guard !stopped else { return }
        stopped = true
        state.stopping.store(true, ordering: .releasing)
        while state.running.load(ordering: .acquiring) > 0 { sched_yield() }
    }
}

/// What a ``ComputeTeam``'s calling thread and workers share.
///
/// `@unchecked Sendable`: `body` is written by the calling thread before it publishes a phase with
/// a release store of `claim`, read by a worker only after it claimed a task of that phase with an
/// acquiring compare-exchange, and reset only after every claimed task has reported through
/// `finished` (release/acquire). Everything else is atomic.
private final class TeamState: @unchecked Sendable {
    /// Tasks per phase are below this (16-bit fields of `claim`).
    static let maxTasks = 1 << 15
    /// Bits 32…63: the phase's generation; 16…31: its task count; 0…15: the next task to claim.
    let claim = Atomic<Int>(0)
    let generation = Atomic<Int>(0)
    /// Tasks finished by the workers in the current phase.
    let finished = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    let running = Atomic<Int>(0)
    var body: ((Int) -> Void)?

    static func word(generation: Int, tasks: Int) -> Int { generation << 32 | tasks << 16 }

    /// Claims the next task of phase `g`, or nil when none is left or the phase is over.
    @inline(__always)
    func claimTask(generation g: Int) -> Int? {
        var current = claim.load(ordering: .relaxed)
        while true {
            guard current >> 32 == g, current & 0xFFFF < (current >> 16) & 0xFFFF else { return nil }
            let (exchanged, original) = claim.compareExchange(expected: current, desired: current + 1, ordering: .acquiring)
            if exchanged { return current & 0xFFFF }
            current = original
        }
    }

    func workerLoop() {
        var seen = 0
        var spins = 0
        while true {
            let g = generation.load(ordering: .acquiring)
            if g != seen {
                seen = g
                var done = 0
                while let t = claimTask(generation: g) {
                    body?(t)
                    done += 1
                }
                if done > 0 { _ = finished.wrappingAdd(done, ordering: .releasing) }
                spins = 0
                continue
            }
            if stopping.load(ordering: .acquiring) { break }
            spins += 1
            if spins > 4000 {
                // Idle for a while (between training runs or during a progress callback).
                if spins > 400_000 { usleep(50) } else { sched_yield() }
            }
        }
        _ = running.wrappingSubtract(1, ordering: .releasing)
    }
}
