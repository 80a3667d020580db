#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A value that threads share behind a lock: `withLock` runs its body with the value while
/// holding a `pthread_mutex_t`.
///
/// It does what `Synchronization.Mutex` does, for one reason: ThreadSanitizer sees this lock and
/// not that one. On Linux, `Mutex` waits in the kernel (a futex) from code that TSan does not
/// instrument, so when two threads contend, TSan sees no ordering between their `withLock` bodies
/// and reports what they share as races, in optimized builds too: a pool of scratch objects that
/// 200,000 concurrent iterations take and give back under a `Mutex` gets about 20 reports a run;
/// the same pool under this lock gets none. TSan intercepts `pthread_mutex_lock`, so a race it
/// reports across this lock is a real one. (`scripts/tsan.sh` runs the suites under TSan.)
///
/// Costs a call and an uncontended `pthread_mutex_lock`/`unlock` pair (tens of nanoseconds): it
/// guards pools, registries and server state, never a hot loop.
package final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// A lock around `value`.
    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed (\(status))")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; returns what `body` returns.
    /// - Parameter body: reads or changes the value; must not call `withLock` on this lock again
    ///   (the lock is not recursive).
    @inline(__always)
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
