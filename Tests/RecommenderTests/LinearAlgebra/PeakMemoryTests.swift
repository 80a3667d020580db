import Foundation
import Testing
@testable import Recommender

@Suite struct PeakMemoryTests {
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/clear_refs"), "needs Linux /proc"))
    func resetLowersThePeakToTheCurrentSize() {
        // Touch 256 MB so the peak rises, release it, then reset: the peak drops back.
        var block = [UInt8](repeating: 1, count: 256 << 20)
        block[block.count - 1] = 2
        let high = PeakMemory.megabytes()
        #expect(block.last == 2)
        block = []
        #expect(PeakMemory.reset())
        let after = PeakMemory.megabytes()
        #expect(after > 0)
        #expect(after < high)
    }
}
