/// Dynamic scheduling over `0..<count` in chunks of `chunkSize`: each of `threads` workers
/// takes the next chunk until none is left, which balances skewed work (power-law users).
/// `setup` runs once per worker and returns its scratch state (reused across chunks).
///
/// With `threads == 1` the loop runs in order on the calling thread (deterministic mode).
enum ParallelLoop {
    static func run<Scratch>(count: Int, chunkSize: Int, threads: Int, setup: () -> Scratch,
                             _ body: (inout Scratch, Range<Int>) -> Void) {
        let chunkCount = (count + chunkSize - 1) / max(chunkSize, 1)
        if threads <= 1 || chunkCount <= 1 {
            var s = setup()
            var lo = 0
            while lo < count { body(&s, lo..<min(count, lo + chunkSize)); lo += chunkSize }
            return
        }
        let counter = ThreadCounter(threads)
        withoutActuallyEscaping(setup) { setup in
            withoutActuallyEscaping(body) { body in
                let setupBox = UnsafeSendableBox(setup), bodyBox = UnsafeSendableBox(body)
                Parallelism.forEachChunk(count: threads, chunks: threads) { _, _ in
                    var s = setupBox.value()
                    while let c = counter.next(limit: chunkCount) {
                        bodyBox.value(&s, (c * chunkSize)..<min(count, (c + 1) * chunkSize))
                    }
                }
            }
        }
    }
}
