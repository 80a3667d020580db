import Dispatch

/// Wraps a value (typically a raw pointer) so it can cross into concurrent closures.
///
/// Use only where the code guarantees that concurrent tasks touch disjoint memory.
public struct UnsafeSendableBox<T>: @unchecked Sendable {
    /// The wrapped value.
    public let value: T
    /// Wraps `value`.
    public init(_ value: T) { self.value = value }
}

/// How many threads parallel work may use.
public enum Parallelism {
    /// The number of active processors on this machine.
    public static var availableCores: Int { ProcessInfo_activeProcessorCount() }

    /// Runs `body(chunk, range)` over `0..<count` split into `chunks` contiguous ranges, concurrently.
    ///
    /// With `chunks == 1` the body runs on the calling thread, which gives a deterministic
    /// single-thread mode.
    public static func forEachChunk(count: Int, chunks: Int, _ body: (Int, Range<Int>) -> Void) {
        let n = max(1, min(chunks, count))
        if n == 1 { body(0, 0..<count); return }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { c in
                let lo = count * c / n, hi = count * (c + 1) / n
                box.value(c, lo..<hi)
            }
        }
    }
}

import Foundation
private func ProcessInfo_activeProcessorCount() -> Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
