import Testing
@testable import Recommender

@Suite struct ArrayFillTests {
    /// `arrayFilledInPlace` gives `fill` a real buffer for a positive capacity and an empty one of
    /// its own for 0 (never the standard library's shared empty storage).
    @Test func arraysFilledInPlace() {
        let five: [Int32] = arrayFilledInPlace(capacity: 5) { buffer, count in
            for k in 0..<3 { buffer[k] = Int32(10 * k) }
            count = 3
        }
        #expect(five == [0, 10, 20])
        var called = false
        let none: [Float] = arrayFilledInPlace(capacity: 0) { buffer, count in
            called = true
            #expect(buffer.isEmpty && buffer.baseAddress != nil)
            count = 0
        }
        #expect(called && none.isEmpty)
        #expect(uninitializedArray(Int64.self, count: 0).isEmpty)
        #expect(uninitializedArray(Int64.self, count: 4).count == 4)
    }
}
