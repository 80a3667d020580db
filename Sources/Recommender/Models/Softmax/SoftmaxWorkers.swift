import Foundation
import Synchronization

/// Two members that run the phases of a training step together: the calling thread is
/// member 0, a persistent worker thread member 1.
///
/// Waking a sleeping thread costs 100–200 µs here, more than a phase of a softmax step, so
/// the worker spins between phases (yielding the CPU after a while, then napping when idle
/// for long). Every ``run(_:)`` is a barrier: it returns when both members are done.
final class SoftmaxWorkers: @unchecked Sendable {
    private let generation = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let exited = Atomic<Bool>(false)
    private var job: ((Int) -> Void)?
    private var issued = 0

    init() {
        let thread = Thread { [unowned self] in self.workerLoop() }
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { shutDown() }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                if stopping.load(ordering: .relaxed) { exited.store(true, ordering: .releasing); return }
                spins += 1
                if spins > 200_000 { usleep(50) } else if spins > 2_000 { sched_yield() }
                current = generation.load(ordering: .acquiring)
            }
            seen = current
            job?(1)
            finished.store(current, ordering: .releasing)
        }
    }

    /// Runs `body(0)` on the calling thread and `body(1)` on the worker; returns when both are done.
    func run(_ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            job = body
            issued += 1
            generation.store(issued, ordering: .releasing)
            body(0)
            var spins = 0
            while finished.load(ordering: .acquiring) != issued {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
    }

    /// Stops the worker thread and waits for it to leave.
    func shutDown() {
        stopping.store(true, ordering: .releasing)
        while !exited.load(ordering: .acquiring) { sched_yield() }
    }
}
