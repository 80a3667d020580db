import Dispatch
import Foundation
import Synchronization

/// Two threads that run the phases of an iterative kernel together: the calling thread is
/// member 0, a persistent worker thread is member 1.
///
/// Waking an idle thread costs 100–200 µs on this kind of machine, which would eat a phase of a
/// few hundred microseconds, so the worker spins (then yields) between phases instead of sleeping.
/// Create a team for one long computation and call ``shutDown()`` when it ends.
///
/// The job runs as `job(member, phase)`; ``run(phase:)`` returns once both members are done, which
/// makes every call a barrier. Member 1's share is *claimed* atomically: normally the spinning worker
/// claims it at once, but when the worker is not running (a busy, shared machine), the calling thread
/// claims it itself after finishing member 0's share instead of waiting for a descheduled thread.
/// With ``threadCount`` 1 (or on a one-core machine) the calling thread always runs `job(0, phase)`
/// then `job(1, phase)`. Results are identical in every case whenever the two members work on
/// disjoint data, since member k's work is the same whichever thread does it.
public final class WorkerTeam: @unchecked Sendable {
    /// 1 (everything on the calling thread) or 2.
    public let threadCount: Int
    private let job: @Sendable (Int, Int) -> Void
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let claimed = Atomic<Int>(0)
    private let requestedPhase = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let exited = Atomic<Bool>(false)
    private var issued = 0
    private var phases = 0
    private var serialUntil = 0
    private var lateCount = 0
    /// How many phases the calling thread ran member 1's share of itself (the worker was late).
    public private(set) var stolen = 0

    /// Starts the team.
    /// - Parameters:
    ///   - threads: 1 or 2 (values above 2 are treated as 2); 2 needs at least two cores.
    ///   - job: the work of `member` (0 or 1) in `phase`; members must touch disjoint memory.
    public init(threads: Int, job: @escaping @Sendable (_ member: Int, _ phase: Int) -> Void) {
        self.threadCount = (threads >= 2 && Parallelism.availableCores >= 2) ? 2 : 1
        self.job = job
        if threadCount == 2 {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        } else {
            exited.store(true, ordering: .releasing)
        }
    }

    deinit { shutDown() }

    /// Runs `phase` on both members and waits for both.
    public func run(phase: Int) {
        guard threadCount == 2 else {
            job(0, phase)
            job(1, phase)
            return
        }
        phases += 1
        if phases < serialUntil {
            // Recently the worker kept arriving late (a busy machine): run both shares here for a while.
            job(0, phase)
            job(1, phase)
            return
        }
        issued += 1
        requestedPhase.store(phase, ordering: .relaxed)
        generation.store(issued, ordering: .releasing)
        let start = DispatchTime.now().uptimeNanoseconds
        job(0, phase)
        if claimed.compareExchange(expected: issued - 1, desired: issued, ordering: .acquiringAndReleasing).exchanged {
            job(1, phase)  // the worker did not start it: do it here rather than wait
            stolen += 1
            return
        }
        let ownWork = DispatchTime.now().uptimeNanoseconds - start
        var spins = 0
        while finished.load(ordering: .acquiring) != issued {
            spins += 1
            if spins > 4000 { sched_yield() }
        }
        let waited = DispatchTime.now().uptimeNanoseconds - start - ownWork
        // A worker preempted in the middle of its share costs a whole scheduler time slice; when that
        // keeps happening, two threads are slower than one, so go serial for the next 256 phases.
        if waited > max(4 * ownWork, 200_000) {
            lateCount += 1
            if lateCount >= 3 { serialUntil = phases + 256; lateCount = 0 }
        } else {
            lateCount = 0
        }
    }

    /// Stops the worker thread (idempotent). The team cannot run phases afterwards.
    public func shutDown() {
        guard threadCount == 2 else { return }
        stopping.store(true, ordering: .releasing)
        while !exited.load(ordering: .acquiring) { sched_yield() }
    }

    private func workerLoop() {
        var seen = 0
        var spins = 0
        while true {
            let g = generation.load(ordering: .acquiring)
            if g != seen {
                seen = g
                if claimed.compareExchange(expected: g - 1, desired: g, ordering: .acquiringAndReleasing).exchanged {
                    job(1, requestedPhase.load(ordering: .relaxed))
                    finished.store(g, ordering: .releasing)
                }
                spins = 0
                continue
            }
            if stopping.load(ordering: .acquiring) { break }
            spins += 1
            if spins > 4000 {
                // Idle for a while (e.g. between training runs or during a progress callback).
                if spins > 400_000 { usleep(50) } else { sched_yield() }
            }
        }
        exited.store(true, ordering: .releasing)
    }
}
